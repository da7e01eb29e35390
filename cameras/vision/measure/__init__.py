"""Measurement: frames in, passages out (source, detect, track, geometry, speed)."""
