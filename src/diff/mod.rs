//! Git access: which files a change touches, their hunks and both versions. PLACEHOLDER.
