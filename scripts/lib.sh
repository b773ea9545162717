# Sourced by the scripts: progress output that says what is happening and how long it took.
step_started=0
step() {
  local now
  now=$(date +%s)
  if [ "$step_started" != 0 ]; then
    printf '\033[2m   (%ss)\033[0m\n' "$((now - step_started))" >&2
  fi
  step_started=$now
  printf '\n\033[1;34m==>\033[0m \033[1m%s\033[0m\n' "$*" >&2
}
step_done() {
  if [ "$step_started" != 0 ]; then
    printf '\033[2m   (%ss)\033[0m\n' "$(($(date +%s) - step_started))" >&2
  fi
  step_started=0
}
