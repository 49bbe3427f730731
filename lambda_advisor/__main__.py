from lambda_advisor.entry import main

main()
