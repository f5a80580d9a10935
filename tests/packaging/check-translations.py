#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-translations.py SOURCE-ROOT [--update] [LANG ...]
#
# Extracts every translatable message of the sources POTFILES.in lists,
# as the build's wabiz-pot target does, and checks that each translation
# (po/LINGUAS, or the LANGs named) translates all of them: none
# untranslated, none fuzzy, plural forms filled, and msgfmt --check clean.
# Prints what is missing and exits 1 if anything is. With --update it
# first merges the new messages into the .po files (msgmerge), so that a
# translator finds them there.

import os
import subprocess
import sys
import tempfile

# the glib preset of meson's i18n module, and ngettext
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3', '--keyword=ngettext:1,2', '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
]


def entries(po_text):
    """(msgctxt, msgid, msgid_plural, [msgstr...], fuzzy) of each message"""
    out = []
    block = []
    for line in po_text.split('\n') + ['']:
        if line.strip() == '':
            if block:
                out.append(parse_block(block))
            block = []
        else:
            block.append(line)
    return [e for e in out if e is not None]


def unquote(s):
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    return bytes(s[1:-1], 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8')


def parse_block(lines):
    fuzzy = False
    fields = {}
    key = None
    for line in lines:
        if line.startswith('#~'):
            return None  # obsolete
        if line.startswith('#,'):
            fuzzy = fuzzy or 'fuzzy' in line
            continue
        if line.startswith('#'):
            continue
        if line.startswith('"'):
            fields[key] += unquote(line)
            continue
        key, _, rest = line.partition(' ')
        fields[key] = unquote(rest)
    if 'msgid' not in fields or fields['msgid'] == '':
        return None  # the header
    strs = [v for k, v in sorted(fields.items()) if k.startswith('msgstr')]
    return (fields.get('msgctxt'), fields['msgid'], fields.get('msgid_plural'), strs, fuzzy)


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__ or 'usage: check-translations.py SOURCE-ROOT [--update] [LANG ...]', file=sys.stderr)
        return 2
    root = args.pop(0)
    update = '--update' in args
    langs = [a for a in args if a != '--update']
    po_dir = os.path.join(root, 'po')
    if not langs:
        with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
            langs = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    with open(os.path.join(po_dir, 'POTFILES.in'), encoding='utf-8') as f:
        sources = [l.strip() for l in f if l.strip() and not l.startswith('#')]

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'wabiz.pot')
        run = subprocess.run(['xgettext', '--package-name=wabiz', '-o', pot, '--directory', root] +
                             XGETTEXT_ARGS + sources, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        # a message used both with and without a plural cannot be translated both ways
        if 'occurrence without plural' in run.stderr:
            print('A message is used both with and without a plural form:\n' + run.stderr)
            failed = True
        for lang in langs:
            po = os.path.join(po_dir, lang + '.po')
            merged = os.path.join(tmp, lang + '.po')
            subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--previous', '-o', merged, po, pot],
                           check=True)
            if update:
                subprocess.run(['msgattrib', '--no-obsolete', '-o', po, merged], check=True)
            check = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                                   capture_output=True, text=True)
            with open(merged, encoding='utf-8') as f:
                missing = []
                fuzzy = []
                for ctxt, msgid, plural, strs, is_fuzzy in entries(f.read()):
                    name = (ctxt + '|' if ctxt else '') + msgid
                    if is_fuzzy:
                        fuzzy.append(name)
                    elif not strs or any(s == '' for s in strs):
                        missing.append(name)
            print('%s: %s' % (lang, check.stderr.strip()))
            if check.returncode != 0:
                failed = True
            for what, names in (('untranslated', missing), ('fuzzy', fuzzy)):
                if names:
                    failed = True
                    print('%s: %d %s, among them:' % (lang, len(names), what))
                    for n in names[:15]:
                        print('    ' + n.replace('\n', '\\n')[:100])
    print('translations: ' + ('FAILED' if failed else 'complete'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
