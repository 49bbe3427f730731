from lambda_advisor.cli import main

main()
