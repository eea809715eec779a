"""The header-only C++ layer library the generated HLS projects include (package data)."""
