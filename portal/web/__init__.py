"""Cross-cutting web plumbing: rendering pages and fragments, security headers, error pages."""
