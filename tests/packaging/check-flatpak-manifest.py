#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-flatpak-manifest.py MANIFEST...
#
# Checks a flatpak-builder manifest without building it (no runtime or network is needed):
# flatpak-builder --show-manifest must accept it without "Unknown property" warnings, and the
# manifest must have the shape WaBiz needs (app id, runtime, permissions, the postgresql and
# wabiz modules). Without flatpak-builder the JSON is read directly and checked the same way.

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REQUIRED_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=fallback-x11',
    '--socket=wayland',
    '--device=dri',
    '--talk-name=org.freedesktop.secrets',
    '--talk-name=org.freedesktop.Notifications',
    # The embedded database runs the postgresql module's server programs
    # (src/core/wabiz-pg-server.c).
    '--env=WABIZ_PG_BINDIR=/app/bin',
}


def load(path, errors):
    builder = shutil.which('flatpak-builder')
    if builder is None:
        print('# flatpak-builder not found, reading the JSON directly')
        with open(path, encoding='utf-8') as f:
            return json.load(f)

    # flatpak-builder writes a .flatpak-builder state directory into the current directory
    # and may look at $HOME: keep both out of the source and build trees.
    with tempfile.TemporaryDirectory(prefix='wabiz-flatpak-') as tmp:
        env = dict(os.environ, HOME=tmp, XDG_CACHE_HOME=os.path.join(tmp, 'cache'))
        proc = subprocess.run([builder, '--show-manifest', os.path.abspath(path)],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    if proc.stderr:
        sys.stdout.write(proc.stderr)
    if proc.returncode != 0:
        errors.append('flatpak-builder --show-manifest exited with %d' % proc.returncode)
        return None
    for line in proc.stderr.splitlines():
        if 'Unknown property' in line:
            errors.append(line.strip())
    return json.loads(proc.stdout)


def check(path):
    errors = []
    manifest = load(path, errors)
    if manifest is None:
        return errors

    expected_id = os.path.basename(path)[:-len('.json')]
    app_id = manifest.get('id', manifest.get('app-id'))
    if app_id != expected_id:
        errors.append('app id is %r, expected %r' % (app_id, expected_id))
    if not re.fullmatch(r'org\.example\.WaBiz(\.Devel)?', expected_id or ''):
        errors.append('unexpected manifest name %s' % os.path.basename(path))

    if manifest.get('runtime') != 'org.gnome.Platform':
        errors.append('runtime is %r, expected org.gnome.Platform' % manifest.get('runtime'))
    if manifest.get('sdk') != 'org.gnome.Sdk':
        errors.append('sdk is %r, expected org.gnome.Sdk' % manifest.get('sdk'))
    if not re.fullmatch(r'\d+', str(manifest.get('runtime-version', ''))):
        errors.append('runtime-version %r is not a GNOME release' % manifest.get('runtime-version'))
    if manifest.get('command') != 'wabiz':
        errors.append('command is %r, expected wabiz' % manifest.get('command'))

    missing = REQUIRED_FINISH_ARGS - set(manifest.get('finish-args', []))
    for arg in sorted(missing):
        errors.append('finish-args lacks %s' % arg)
    if '--socket=x11' in manifest.get('finish-args', []):
        errors.append('use --socket=fallback-x11, not --socket=x11')

    modules = [m for m in manifest.get('modules', []) if isinstance(m, dict)]
    names = [m.get('name') for m in modules]
    if 'postgresql' not in names or 'wabiz' not in names:
        errors.append('modules are %r, expected postgresql and wabiz' % names)
        return errors
    if names[-1] != 'wabiz' or names.index('postgresql') > names.index('wabiz'):
        errors.append('wabiz must be the last module, built after postgresql: %r' % names)

    pg = modules[names.index('postgresql')]
    if pg.get('buildsystem', 'autotools') != 'autotools':
        errors.append('postgresql is built with %r, expected autotools' % pg.get('buildsystem'))
    if not any('pg_trgm' in cmd for cmd in pg.get('post-install', [])):
        errors.append('postgresql does not install contrib/pg_trgm')

    wabiz = modules[names.index('wabiz')]
    if wabiz.get('buildsystem') != 'meson':
        errors.append('wabiz is built with %r, expected meson' % wabiz.get('buildsystem'))
    dirs = [s for s in wabiz.get('sources', []) if s.get('type') == 'dir']
    if not dirs:
        errors.append('wabiz has no "dir" source')
    for src in dirs:
        root = os.path.join(os.path.dirname(os.path.abspath(path)), src.get('path', ''))
        if not os.path.isfile(os.path.join(root, 'meson.build')):
            errors.append('wabiz source dir %s has no meson.build' % src.get('path'))
    if expected_id.endswith('.Devel') and '-Ddevelopment=true' not in wabiz.get('config-opts', []):
        errors.append('the Devel manifest must build with -Ddevelopment=true')

    # Every downloaded source must be pinned by a real checksum or be a git tag/commit.
    for module in modules:
        for src in module.get('sources', []):
            if not isinstance(src, dict):
                continue
            kind = src.get('type')
            if kind in ('archive', 'file') and 'url' in src:
                if not re.fullmatch(r'[0-9a-f]{64}', src.get('sha256', '')):
                    errors.append('%s: %s has no sha256' % (module.get('name'), src['url']))
            if kind == 'git' and not (src.get('tag') or src.get('commit')):
                errors.append('%s: git source %s has neither tag nor commit'
                              % (module.get('name'), src.get('url')))
    return errors


def main():
    if len(sys.argv) < 2:
        print('usage: %s MANIFEST...' % sys.argv[0], file=sys.stderr)
        return 2
    failed = False
    for path in sys.argv[1:]:
        errors = check(path)
        for error in errors:
            print('%s: %s' % (os.path.basename(path), error))
        print('%s: %s' % (os.path.basename(path), 'FAILED' if errors else 'ok'))
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
