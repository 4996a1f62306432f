"""1.x service import paths, each a thin facade over the native core."""
