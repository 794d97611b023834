"""`echelon report` and `echelon export`: the commands the echelon program hands to
Python (`python3 -m echelon COMMAND ...`).  Same conventions as the C commands:
"echelon: error: ..." and exit status 2 for bad input, 1 for a runtime failure; an
existing output is not replaced without --force, an input never; outputs are
written under a temporary name and renamed when complete."""

import argparse
import os
import sys

from .results import ResultsError


class InputError(Exception):
    """Bad input: one message, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors follow the program's: one line, exit 2."""

    def error(self, message):
        raise InputError(f"{self.prog}: {message} (see {self.prog} --help)")


def check_new_file(option, path, force, inputs):
    """Refuses an output that would replace an input (always), an existing file
    (without force), something not a regular file, or a path whose folder does not
    exist or cannot be written (the C commands' cli_check_new_file)."""
    if os.path.lexists(path):
        st = os.stat(path)
        for inp in inputs:
            try:
                if os.path.samefile(path, inp):
                    raise InputError(f"{option}: {path} is an input of this command; "
                                     "choose another name")
            except FileNotFoundError:
                pass
        if not os.path.isfile(path) and not os.path.isdir(path):
            raise InputError(f"{option}: {path} is not a regular file")
        if os.path.isdir(path):
            raise InputError(f"{option}: {path} is a folder")
        if not force:
            raise InputError(f"{option}: {path} exists (choose another name, or --force to "
                             "replace it)")
        del st
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise InputError(f"{option}: the folder of {path} ({folder}) does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{option}: the folder of {path} ({folder}) is not writable")


def temporary_name(path):
    """Where an output is written before it is renamed to `path`."""
    return f"{path}.tmp-{os.getpid()}"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("report", "export"):
        print("echelon: error: python3 -m echelon report|export ... (see echelon --help)",
              file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "report":
            from . import report

            return report.main(rest)
        from . import export

        return export.main(rest)
    except (InputError, ResultsError) as e:
        print(f"echelon: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("echelon: stopped", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as e:  # noqa: BLE001 - a runtime failure: one line, no traceback
        if os.environ.get("ECHELON_DEBUG"):
            raise
        print(f"echelon: error: {command}: {e.__class__.__name__}: {e} "
              "(ECHELON_DEBUG=1 shows where)", file=sys.stderr)
        return 1
