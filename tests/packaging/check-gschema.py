#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-gschema.py GSCHEMA-XML
#
# Checks the org.example.WaBiz schema: every key the app and the core rely on is there with its
# documented default, every key has a summary and a description, and every key is read by
# something under src/ (a key nothing reads promises what the app does not do). With GSETTINGS_SCHEMA_DIR
# pointing at the compiled schema (<builddir>/data) the defaults are also read back through
# gsettings, which proves the compiled schema loads.

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SCHEMA_ID = 'org.example.WaBiz'

# key: default as gsettings prints it (GVariant text format)
EXPECTED = {
    'window-width': None,
    'window-height': None,
    'window-maximized': 'false',
    'last-pane': "'conversations'",
    'last-conversation': "''",
    'graph-url': "'https://graph.facebook.com'",
    'graph-version': "'v21.0'",
    'phone-number-id': "''",
    'waba-id': "''",
    'gemini-url': "'https://generativelanguage.googleapis.com'",
    'gemini-model': "'gemini-2.5-pro'",
    'database-mode': "'embedded'",
    'database-conninfo': "''",
    'http-host': "'127.0.0.1'",
    'http-port': 'uint32 10000',
    'http-enabled': 'true',
    'send-rate': 'uint32 80',
    'webhook-way': "'relay'",
    'media-budget': 'uint32 200',
    'demo-mode': 'false',
    'setup-complete': 'false',
    'color-scheme': "'default'",
    'notifications': 'true',
}

CHOICES = {
    'last-pane': {'leads', 'conversations', 'templates', 'analytics'},
    'database-mode': {'embedded', 'remote'},
    'color-scheme': {'default', 'light', 'dark'},
    'webhook-way': {'relay', 'server', 'tunnel'},
}


def unread_keys(names):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src')
    texts = []
    for top, _, files in os.walk(src):
        for name in files:
            if name.endswith('.c'):
                with open(os.path.join(top, name), encoding='utf-8') as f:
                    texts.append(f.read())
    text = '\n'.join(texts)
    return [n for n in names if '"%s"' % n not in text]


def main():
    errors = []
    root = ET.parse(sys.argv[1]).getroot()
    enums = {e.get('id'): {v.get('nick') for v in e.findall('value')} for e in root.findall('enum')}
    schema = next((s for s in root.findall('schema') if s.get('id') == SCHEMA_ID), None)
    if schema is None:
        print('no schema %s' % SCHEMA_ID)
        return 1
    if schema.get('path') != '/org/example/WaBiz/':
        errors.append('schema path is %r' % schema.get('path'))

    keys = {k.get('name'): k for k in schema.findall('key')}
    for name in sorted(set(EXPECTED) - set(keys)):
        errors.append('missing key %s' % name)
    for name, key in sorted(keys.items()):
        for child in ('summary', 'description'):
            el = key.find(child)
            if el is None or not (el.text or '').strip():
                errors.append('%s has no %s' % (name, child))
        if name in CHOICES:
            nicks = enums.get(key.get('enum'))
            if nicks is None:
                choices = key.find('choices')
                if choices is not None:
                    nicks = {c.get('value') for c in choices.findall('choice')}
            if nicks != CHOICES[name]:
                errors.append('%s allows %r, expected %r' % (name, nicks, sorted(CHOICES[name])))

    for name in unread_keys(sorted(keys)):
        errors.append('nothing under src/ reads the key %s: remove it, or make it work' % name)

    gsettings = shutil.which('gsettings')
    if gsettings and os.environ.get('GSETTINGS_SCHEMA_DIR'):
        env = dict(os.environ, GSETTINGS_BACKEND='memory')
        proc = subprocess.run([gsettings, 'list-recursively', SCHEMA_ID],
                              env=env, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            errors.append('gsettings cannot read the compiled schema: %s' % proc.stderr.strip())
        else:
            values = {}
            for line in proc.stdout.splitlines():
                _, key, value = line.split(' ', 2)
                values[key] = value
            for name, default in sorted(EXPECTED.items()):
                if default is not None and values.get(name) != default:
                    errors.append('%s defaults to %s, expected %s'
                                  % (name, values.get(name), default))
    else:
        print('# gsettings or GSETTINGS_SCHEMA_DIR missing: compiled defaults not checked')

    for error in errors:
        print(error)
    print('%s: %s' % (SCHEMA_ID, 'FAILED' if errors else 'ok'))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
