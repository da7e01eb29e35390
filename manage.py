#!/usr/bin/env python
"""Django's command-line utility for Fairspeed."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("YOLO_OFFLINE", "1")  # never let ultralytics reach the network
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
