from eval.seekhelp.bench import main

main()
