"""refman's icons and images, shipped in the wheel as the package ``refman.resources``."""
