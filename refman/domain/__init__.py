"""Plain values and pure rules: no I/O, no database, no Qt."""
