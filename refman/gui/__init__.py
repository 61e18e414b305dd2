"""The Qt window: every Qt import of refman lives under this package."""
