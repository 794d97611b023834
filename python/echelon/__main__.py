"""python3 -m echelon report|export ...: see echelon.cli."""
import sys

from .cli import main

sys.exit(main())
