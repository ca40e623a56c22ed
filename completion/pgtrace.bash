# bash completion for pgtrace(1): commands, each command's options (read
# from its --help, so they never drift), option values, and file names.
# Installed by `cmake --install` as share/bash-completion/completions/pgtrace.

_pgtrace()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local prog=${words[0]}

	# The command: the first word after the program that is not an option.
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		local cmds
		cmds=$("$prog" --help 2>/dev/null |
			awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
			     on && /^  [a-z]/ { print $1 }')
		COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
		return
	fi
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null |
			awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
			     on && /^  [a-z]/ { print $1 }')" -- "$cur"))
		return
	fi

	# Values of options that take a word from a fixed set, and file names.
	local opt=$prev val=""
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		val=${cur#*=}
	elif [[ $prev != -* ]]; then
		opt=""
	fi
	local values=""
	case $opt in
	--kernel) values="2.6.21 2.6.22 6.1" ;;
	--sync) values="seed pmd" ;;
	--format) values="auto native ftrace" ;;
	--type) values="csv json svg" ;;
	--page-offset) values="3G 2G 1G 0xc0000000 0x80000000 0x40000000" ;;
	--core | -c | --symbols | -s | --trace | --output | -o)
		if [[ -n $val ]]; then
			COMPREPLY=($(compgen -f -- "$val"))
			COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		compopt -o filenames 2>/dev/null
		return
		;;
	esac
	if [[ -n $values ]]; then
		if [[ $cur == --*=* ]]; then
			COMPREPLY=($(compgen -W "$values" -P "$opt=" -- "$val"))
		else
			COMPREPLY=($(compgen -W "$values" -- "$cur"))
		fi
		return
	fi

	if [[ $cur == -* ]]; then
		local opts
		opts=$("$prog" "$cmd" --help 2>/dev/null |
			grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*=?' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return
	fi
	# dump's first argument says what to dump.
	if [[ $cmd == dump ]]; then
		local n=0
		for ((i = i + 1; i < cword; i++)); do
			[[ ${words[i]} == -* ]] || n=$((n + 1))
		done
		if ((n == 0)); then
			COMPREPLY=($(compgen -W "pgd pgds" -- "$cur"))
			return
		fi
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	compopt -o filenames 2>/dev/null
}
complete -F _pgtrace pgtrace
