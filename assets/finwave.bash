# bash completion for finwave
_finwave() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--trace) COMPREPLY=($(compgen -W "text jsonl" -- "$cur")); return ;;
	--lang) COMPREPLY=($(compgen -W "en zh" -- "$cur")); return ;;
	--pcap|run|play|kernel) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	lesson)
		local dir
		for dir in ./lessons/en /usr/local/share/finwave/lessons/en /usr/share/finwave/lessons/en; do
			[ -d "$dir" ] && COMPREPLY=($(compgen -W "$(cd "$dir" && ls *.fw 2>/dev/null | sed 's/\.fw$//')" -- "$cur")) && return
		done
		return ;;
	esac
	COMPREPLY=($(compgen -W "play lesson run kernel --help --version --lang --no-color --speed --present --trace --pcap" -- "$cur"))
}
complete -F _finwave finwave
