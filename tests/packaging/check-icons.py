#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-icons.py FULL-COLOR-SVG SYMBOLIC-SVG
#
# Checks the application icons: well-formed SVG of the right size, self-contained (no raster
# images, external references or text that needs a font), and a symbolic icon in one colour.

import os
import re
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
XLINK_HREF = '{http://www.w3.org/1999/xlink}href'
NO_COLOUR = {'none', 'currentcolor', 'transparent', 'inherit'}


def colours(root):
    found = set()
    for el in root.iter():
        values = [el.get('fill'), el.get('stroke'), el.get('stop-color')]
        for decl in (el.get('style') or '').split(';'):
            if ':' in decl:
                key, value = decl.split(':', 1)
                if key.strip() in ('fill', 'stroke', 'stop-color'):
                    values.append(value)
        for value in values:
            value = (value or '').strip().lower()
            if value and value not in NO_COLOUR and not value.startswith('url('):
                found.add(value)
    return found


def check(path, size, symbolic):
    errors = []
    if not os.path.isfile(path):
        return ['missing']
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return ['not well-formed XML: %s' % e]
    if root.tag != SVG + 'svg':
        return ['root element is %s, expected svg' % root.tag]

    view_box = (root.get('viewBox') or '').replace(',', ' ').split()
    if [float(v) for v in view_box] != [0, 0, size, size]:
        errors.append('viewBox is %r, expected "0 0 %d %d"' % (root.get('viewBox'), size, size))
    for attr in ('width', 'height'):
        value = re.sub(r'px$', '', root.get(attr) or '')
        if value and float(value) != size:
            errors.append('%s is %r, expected %d' % (attr, root.get(attr), size))

    for el in root.iter():
        tag = el.tag.replace(SVG, '')
        if tag in ('image', 'text', 'foreignObject', 'script'):
            errors.append('uses <%s>' % tag)
        href = el.get('href') or el.get(XLINK_HREF)
        if href and not href.startswith('#'):
            errors.append('references %s' % href)

    found = colours(root)
    if symbolic and len(found) > 1:
        errors.append('symbolic icon uses %d colours: %s' % (len(found), ', '.join(sorted(found))))
    if not symbolic and len(found) < 2:
        errors.append('full-colour icon uses only %s' % (', '.join(found) or 'no colour'))
    return errors


def main():
    if len(sys.argv) != 3:
        print('usage: %s FULL-COLOR-SVG SYMBOLIC-SVG' % sys.argv[0], file=sys.stderr)
        return 2
    failed = False
    for path, size, symbolic in ((sys.argv[1], 128, False), (sys.argv[2], 16, True)):
        errors = check(path, size, symbolic)
        for error in errors:
            print('%s: %s' % (os.path.basename(path), error))
        print('%s: %s' % (os.path.basename(path), 'FAILED' if errors else 'ok'))
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
