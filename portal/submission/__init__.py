"""Sign-off, the Home Office submission pack and the anonymisation check before publication."""
