#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-potfiles.py SOURCE-ROOT
#
# po/POTFILES.in must stay sorted, without duplicates, and list every file with translatable
# strings: C files calling _(), N_(), C_(), ngettext() or g_d*gettext() and .ui files with
# translatable="yes".
# Listed files that do not exist yet are reported but do not fail the check.

import os
import re
import sys

C_MARK = re.compile(r'\b(?:_|N_|C_|NC_|Q_|ngettext)\s*\(\s*"'
                    r'|\bg_d(?:n|p)?gettext\s*\([^,()]*,\s*"')
UI_MARK = re.compile(r'translatable\s*=\s*["\']yes["\']')


def translatable_files(root):
    found = set()
    for top in ('src', 'data/ui'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in filenames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if name.endswith('.c'):
                    mark = C_MARK
                elif name.endswith('.ui'):
                    mark = UI_MARK
                else:
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    if mark.search(f.read()):
                        found.add(rel)
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        entries = [line.strip() for line in f if line.strip() and not line.startswith('#')]

    errors = []
    if entries != sorted(entries):
        errors.append('POTFILES.in is not sorted')
    dups = sorted({e for e in entries if entries.count(e) > 1})
    if dups:
        errors.append('listed twice: %s' % ', '.join(dups))
    for entry in sorted(translatable_files(root) - set(entries)):
        errors.append('%s has translatable strings but is not in po/POTFILES.in' % entry)
    for entry in entries:
        if not os.path.exists(os.path.join(root, entry)):
            print('# not there yet: %s' % entry)

    for error in errors:
        print(error)
    print('POTFILES.in: %s' % ('FAILED' if errors else 'ok'))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
