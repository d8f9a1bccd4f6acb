#!/bin/sh
# Print a help2man include file with every odonata command's --help, so that
# the man page documents the options of each command, not only the list:
#   tools/man/commands.sh ODONATA [OUT]     (default: stdout)
#   help2man --include OUT ODONATA
set -eu
exe=$1
if [ $# -ge 2 ]; then exec >"$2"; fi
echo "[COMMAND OPTIONS]"
"$exe" --help | sed -n '/^Subcommands:/,/^$/ s/^  \([a-z][a-z-]*\) .*/\1/p' | while read -r cmd; do
  echo ".SS \"odonata $cmd\""
  echo ".nf"
  # roff: a backslash doubled, a line starting with . or ' protected.
  "$exe" "$cmd" --help | sed -e 's/\\/\\\\/g' -e "s/^\([.']\)/\\\\\&\1/" -e '/^Exit status:/,$d'
  echo ".fi"
done
cat <<'END'
[FILES]
Platform profiles are looked up by name in ./platforms, then each folder of
$ODONATA_PLATFORMS (colon-separated), then $XDG_DATA_HOME/odonata/platforms
(or ~/.local/share/odonata/platforms), then <prefix>/share/odonata/platforms.
`odonata platforms` lists the profiles with the folder each came from.
[ENVIRONMENT]
.TP
.B ODONATA_PLATFORMS
Colon-separated folders of platform profiles, searched after ./platforms.
.TP
.B XDG_DATA_HOME
The user's profile folder is $XDG_DATA_HOME/odonata/platforms.
END
