#!/usr/bin/env python3
# check-layers.py SRC_CORE: the core's folders are layers, and no file
# imports from a layer above its own.
#
#   the shared pieces (src/core/*, but the services)   0
#   db/  1   meta/  2   model/  3   pipeline/  4   http/  5
#   the services object (src/core/wabiz-services.*)    6
#
# A header is found by its name in any of these folders; a file may also
# include its own folder's private headers. Nothing in the core includes
# GTK, the app (src/ui) or the simulator (src/sim).
import os
import re
import sys

LAYERS = {"": 0, "db": 1, "meta": 2, "model": 3, "pipeline": 4, "http": 5}
TOP = {"wabiz-services.c", "wabiz-services.h"}


def layer_of(folder, name):
    return 6 if folder == "" and name in TOP else LAYERS[folder]


def main(root):
    where = {}
    for folder in LAYERS:
        path = os.path.join(root, folder)
        for name in os.listdir(path):
            if name.endswith((".c", ".h")):
                where[name] = folder

    problems = []
    for name, folder in sorted(where.items()):
        mine = layer_of(folder, name)
        with open(os.path.join(root, folder, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = re.match(r'\s*#\s*include\s+[<"]([^>"]+)[>"]', line)
                if not m:
                    continue
                header = m.group(1)
                if header.startswith(("gtk/", "adwaita", "wabiz-sim")):
                    problems.append(f"{folder or '.'}/{name}:{number}: the core must not include {header}")
                    continue
                if header not in where:
                    continue
                theirs = layer_of(where[header], header)
                if theirs > mine:
                    problems.append(f"{folder or '.'}/{name}:{number}: includes {where[header] or '.'}/{header}, "
                                    f"a layer above its own")
    for p in problems:
        print(p)
    print(f"{len(where)} files checked, {len(problems)} imports up a layer")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
