"""The filesystem store: random names, private permissions, no way out of its folder."""

from __future__ import annotations

import stat

import pytest

from portal.documents.services import ConfigurationError, _filesystem_storage, get_storage
from portal.documents.storage import FilesystemStorage, StorageError

from . import samples
from .conftest import stored_files


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "AB" * 16, "a" * 31, "a" * 33, "", None])
def test_keys_that_are_not_ours_are_refused(tmp_path, key):
    storage = FilesystemStorage(tmp_path)
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.delete(key)


def test_objects_are_private_and_appear_only_when_committed(tmp_path):
    storage = FilesystemStorage(tmp_path / "store")
    with storage.new_object() as obj:
        obj.write(b"ciphertext")
        assert not storage.exists(obj.key)
        key = obj.commit()
    path = storage.path_for(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert list(storage.list_keys()) == [key]
    with storage.open(key) as handle:
        assert handle.read() == b"ciphertext"


def test_an_object_not_committed_leaves_nothing(tmp_path):
    storage = FilesystemStorage(tmp_path)
    with pytest.raises(RuntimeError), storage.new_object() as obj:
        obj.write(b"half")
        raise RuntimeError("upload interrupted")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert storage.partial_files() == []


def test_store_may_not_live_under_static(app):
    app.config["DOCUMENTS_DIR"] = app.static_folder + "/documents"
    with pytest.raises(ConfigurationError):
        _filesystem_storage(app)


def test_default_folder_is_under_instance(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    app.config["DOCUMENTS_DIR"] = None
    assert _filesystem_storage(app).root == tmp_path / "instance" / "documents"


def test_stored_file_names_say_nothing(app, upload):
    upload("Smith family chronology.pdf", samples.pdf())
    [path] = [stored.path for stored in stored_files(app)]
    assert "Smith" not in str(path) and path.suffix == ""
    assert path.parent.parent == get_storage().root
