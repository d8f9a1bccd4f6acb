# bash completion for odonata (installed as
# <prefix>/share/bash-completion/completions/odonata). Commands, each
# command's options (read from `odonata COMMAND --help`), profile names after
# --platform/--base (from `odonata platforms --format csv`), the values of
# --format, --precision, --runtime, --design and --link, files otherwise.

_odonata_commands() {
  "$1" --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/ s/^  \([a-z][a-z-]*\) .*/\1/p'
}

_odonata_options() {
  "$1" "$2" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_odonata_platforms() {
  "$1" platforms --format csv 2>/dev/null | sed '1d; s/,.*//'
}

_odonata() {
  local exe=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  # The command: the first word after odonata that is not an option.
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$(_odonata_commands "$exe")" -- "$cur")
    fi
    return 0
  fi

  case $prev in
    -p | --platform | --platforms | --base | --remote)
      mapfile -t COMPREPLY < <(compgen -W "$(_odonata_platforms "$exe") all" -- "$cur")
      # Profile files too.
      mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X '!*.json' -- "$cur")
      return 0 ;;
    --format) mapfile -t COMPREPLY < <(compgen -W "table json csv html markdown" -- "$cur"); return 0 ;;
    --precision | --precisions) mapfile -t COMPREPLY < <(compgen -W "fp32 fp16 int8" -- "$cur"); return 0 ;;
    --runtime) mapfile -t COMPREPLY < <(compgen -W "openvino onnxruntime tensorrt" -- "$cur"); return 0 ;;
    --design) mapfile -t COMPREPLY < <(compgen -W "1d grid random" -- "$cur"); return 0 ;;
    --link) mapfile -t COMPREPLY < <(compgen -W "wifi ble lora lte ethernet" -- "$cur"); return 0 ;;
    --objective) mapfile -t COMPREPLY < <(compgen -W "latency node-energy" -- "$cur"); return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_odonata_options "$exe" "$cmd")" -- "$cur")
    return 0
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  return 0
}

complete -o filenames -F _odonata odonata
