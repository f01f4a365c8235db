from eval.exposure.bench import main

main()
