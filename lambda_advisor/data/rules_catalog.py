"""The built-in rules as validated data: written by `make docs` (python -m lambda_advisor.rule_catalog); do not edit."""

from typing import Any

FILES: dict[str, int] = {'LA001-duplicate-key.yaml': 1496800369,
 'LA101-plaintext-secret.yaml': 2568128739,
 'LA102-function-url-auth-none.yaml': 1390897929,
 'LA103-resource-policy-open.yaml': 3865197116,
 'LA104-role-wildcards.yaml': 772379595,
 'LA105-secret-not-readable.yaml': 2845235846,
 'LA106-capacity-provider-shared-by-roles.yaml': 3441847549,
 'LA107-public-endpoint-uncapped.yaml': 4015799990,
 'LA108-code-bucket-open-to-lambda.yaml': 332410750,
 'LA109-layer-shared-with-everyone.yaml': 580593403,
 'LA201-async-no-dlq.yaml': 2481947762,
 'LA202-sqs-no-redrive.yaml': 2663135927,
 'LA203-stream-failures.yaml': 2627431426,
 'LA204-sqs-visibility-timeout.yaml': 2600680073,
 'LA205-timeout-near-max.yaml': 3602991730,
 'LA206-timeout-beyond-api-limit.yaml': 3129399996,
 'LA207-reserved-concurrency-sqs.yaml': 3498408926,
 'LA208-source-without-permission.yaml': 1295829145,
 'LA209-recursive-loop-allowed.yaml': 1032907080,
 'LA210-no-partial-batch-response.yaml': 1353436340,
 'LA211-url-without-invoke-grant.yaml': 4116361417,
 'LA212-sqs-filter-discards.yaml': 2259642018,
 'LA213-environment-cannot-decrypt.yaml': 369008054,
 'LA214-mapping-disabled-or-failing.yaml': 1552704957,
 'LA301-lambda-invokes-lambda.yaml': 2976356201,
 'LA302-rds-without-proxy.yaml': 2556307157,
 'LA303-ses-mail-not-stored.yaml': 3138467571,
 'LA304-web-framework.yaml': 856196935,
 'LA305-durable-through-latest.yaml': 975160237,
 'LA401-zipped-package-size.yaml': 383194863,
 'LA402-unzipped-package-size.yaml': 1296172846,
 'LA403-too-many-layers.yaml': 3213157020,
 'LA404-windows-binary.yaml': 2923471932,
 'LA405-foreign-architecture-binary.yaml': 687054981,
 'LA406-package-near-limits.yaml': 122917760,
 'LA407-layer-version-deleted.yaml': 2810257788,
 'LA501-deprecated-runtime.yaml': 3630886259,
 'LA502-tracing-off.yaml': 364311444,
 'LA503-log-retention.yaml': 4107715292,
 'LA504-default-memory.yaml': 3937481724,
 'LA505-cold-starts-java-dotnet.yaml': 598186518,
 'LA506-no-gradual-deployment.yaml': 4209401067,
 'LA507-vpc-single-az.yaml': 990760625,
 'LA508-environment-size.yaml': 2977832454,
 'LA509-clients-in-handler.yaml': 1567487087,
 'LA510-snapstart-ineffective.yaml': 380452581,
 'LA511-reserved-concurrency-zero.yaml': 782267151,
 'LA512-function-failed-or-inactive.yaml': 2270847386,
 'LA513-account-concurrency-floor.yaml': 380446623,
 'LA601-error-rate.yaml': 4067550923,
 'LA602-timeouts-hit.yaml': 4224300527,
 'LA603-throttled.yaml': 2743965114,
 'LA604-async-events-lost.yaml': 3472933669,
 'LA605-iterator-age.yaml': 2144058586,
 'LA606-not-invoked.yaml': 3286549287,
 'LA607-memory-misprovisioned.yaml': 116722649,
 'LA608-account-concurrency-headroom.yaml': 4200951692,
 'LA609-provisioned-concurrency-use.yaml': 1574122463,
 'LA610-recursion-stopped.yaml': 1662417184,
 'LA701-web-function-wiring.yaml': 3668280948,
 'LA702-code-bucket-unusable.yaml': 880587447,
 'LA703-runtime-not-offered.yaml': 2119253296,
 'LA704-network-connector-wiring.yaml': 3822023037,
 'LA705-tenant-isolation-conflict.yaml': 251934321,
 'LA706-managed-instances-sync-timeout.yaml': 1280362246,
 'rule.schema.json': 245766052}

RULES: list[dict[str, Any]] = [{'id': 'LA001',
  'title': 'duplicate key in a template',
  'severity': 'high',
  'category': 'hygiene',
  'what': 'Flags a key written twice in one mapping of a CloudFormation or SAM template\n'
          '(YAML or JSON): two `Handler:` lines in one function, two `Name:` tags, two\n'
          'resources with one logical ID. The template is still read, with the last\n'
          'value, so every other rule runs too.\n',
  'why': 'YAML and JSON require the keys of one mapping to be unique. Most parsers,\n'
         'including the ones that deploy a template, keep the last value and drop the\n'
         'first without a word, so the line a reviewer reads may not be the one that\n'
         'is deployed. AWS warns that a template with a duplicated section may be\n'
         'accepted and then provision resources wrongly or fail with errors that are\n'
         'hard to explain. A duplicate is almost always a copy-paste slip or a merge\n'
         'that kept both sides.\n',
  'fix': 'Keep one of the two keys (the value you mean to deploy) and delete the\n'
         'other. When two resources share a logical ID, rename one of them.\n',
  'example': 'OrderFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Handler: app.handler\n'
             '    Runtime: python3.13\n'
             '    Handler: orders.handler     # this one is deployed; app.handler is lost\n',
  'use_instead': 'OrderFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Handler: orders.handler\n'
                 '    Runtime: python3.13\n',
  'references': ['https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html',
                 'https://yaml.org/spec/1.2.2/#mapping',
                 'https://www.rfc-editor.org/rfc/rfc8259#section-4'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'hygiene.duplicate_keys',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA001-duplicate-key.yaml'},
 {'id': 'LA101',
  'title': 'secret in a plaintext environment variable',
  'severity': 'high',
  'category': 'security',
  'what': 'Flags environment variables that hold a secret written in plain text: a\n'
          'literal under a secret-looking name (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`,\n'
          '`*API_KEY*`, `*PRIVATE_KEY*` …) or a value with a known secret shape in any\n'
          'variable (AWS access key IDs and secret keys, private key blocks, GitHub,\n'
          'Slack and Stripe tokens, URLs with an embedded password, JWTs, high-entropy\n'
          'strings). A secret-looking name fed by `!Ref` to a template parameter\n'
          'without `NoEcho` is a plaintext secret too: CloudFormation shows that\n'
          "parameter's value in the console and in `DescribeStacks`. Dynamic\n"
          'references (`{{resolve:secretsmanager:…}}`, `{{resolve:ssm-secure:…}}`),\n'
          '`Ref`s to `NoEcho` or SSM-typed parameters, and the ARNs or names of\n'
          'secrets are not flagged.\n'
          '\n'
          'Web Functions: the environment variables of each revision are judged the\n'
          'same way; dynamic references and ARNs stay silent.\n',
  'why': 'Environment variables are part of the function configuration: anyone with\n'
         '`lambda:GetFunctionConfiguration` (read-only roles, consoles, CI logs) reads\n'
         'them, and they are committed with the template to version control. A secret\n'
         'there cannot be rotated without a redeploy.\n',
  'fix': 'Store the value in Secrets Manager (or an SSM SecureString), pass its ARN or\n'
         'name in the environment, and read it at cold start (the Parameters and\n'
         'Secrets Lambda extension caches it); then rotate the exposed secret.\n',
  'example': 'Environment:\n'
             '  Variables:\n'
             '    DB_PASSWORD: hunter2\n'
             '    DATABASE_URL: postgres://app:hunter2@db.internal:5432/app\n',
  'use_instead': 'Environment:\n'
                 '  Variables:\n'
                 '    DB_PASSWORD_SECRET_ARN: !Ref DbPasswordSecret   # read at cold start, cached\n'
                 'Policies:\n'
                 '  - AWSSecretsManagerGetSecretValuePolicy:\n'
                 '      SecretArn: !Ref DbPasswordSecret\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption',
                 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html',
                 'https://github.com/Yelp/detect-secrets',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions-env-vars.html'],
  'cwe': [798],
  'params': {'name_patterns': ['*PASSWORD*',
                               '*PASSWD*',
                               '*SECRET*',
                               '*TOKEN*',
                               '*API_KEY*',
                               '*APIKEY*',
                               '*PRIVATE_KEY*',
                               '*CLIENT_KEY*',
                               '*ACCESS_KEY*'],
             'ignore_name_patterns': ['*_ARN',
                                      '*_NAME',
                                      '*_ID',
                                      '*_IDS',
                                      '*_PATH',
                                      '*_PARAM',
                                      '*_PARAMETER',
                                      '*_FILE',
                                      '*_URL',
                                      '*_URI',
                                      '*_ENDPOINT',
                                      '*_HOST',
                                      '*_PORT',
                                      '*_REGION',
                                      '*_TABLE',
                                      '*_BUCKET',
                                      '*_QUEUE',
                                      '*_TOPIC',
                                      '*_STREAM',
                                      '*_STORE',
                                      '*_PROVIDER',
                                      '*_SOURCE',
                                      '*_PREFIX',
                                      '*_SUFFIX',
                                      '*_KEY_ID',
                                      '*_KMS_KEY*',
                                      'PARAMETERS_SECRETS_*',
                                      'SECRETS_MANAGER_*',
                                      '*_LENGTH',
                                      '*_LEN',
                                      '*_MIN',
                                      '*_MIN_*',
                                      '*_MAX',
                                      '*_MAX_*',
                                      '*_COUNT',
                                      '*_LIMIT',
                                      '*_TTL',
                                      '*_TIMEOUT',
                                      '*_INTERVAL',
                                      '*_SECONDS',
                                      '*_EXPIRY',
                                      '*_EXPIRATION',
                                      '*_EXPIRES*',
                                      '*_ENABLED',
                                      '*_REQUIRED',
                                      '*_TYPE',
                                      '*_MODE',
                                      '*_FORMAT',
                                      '*_FIELD',
                                      '*_HEADER',
                                      '*_POLICY',
                                      '*_ROTATION*',
                                      '*ALLOW_EMPTY*',
                                      '*_VERSION',
                                      '*_ALGORITHM',
                                      '*_ALG',
                                      '*_ISSUER',
                                      '*_AUDIENCE',
                                      '*_SCOPE',
                                      '*_SCOPES',
                                      '*_USER',
                                      '*_USERNAME'],
             'entropy': True},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'secrets.plaintext_secrets',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA101-plaintext-secret.yaml'},
 {'id': 'LA102',
  'title': 'function URL with auth type NONE',
  'severity': 'high',
  'category': 'security',
  'what': 'Flags functions that have a function URL (`AWS::Lambda::Url`, SAM\n'
          '`FunctionUrlConfig`, or one configured in the account) whose `AuthType` is\n'
          "`NONE`. The message also says when the URL's CORS configuration allows any\n"
          'origin (`*`).\n'
          '\n'
          'Web Functions: an endpoint with `AuthType: ApplicationManaged` is flagged\n'
          'too. Lambda authenticates none of its requests and every endpoint has a\n'
          'public domain name, so the application must authenticate each request\n'
          'itself.\n',
  'why': 'A function URL with auth type NONE is a public HTTPS endpoint: anyone who\n'
         'finds the URL can invoke the function as often as they like, with no\n'
         'credentials, no throttling per caller and no WAF in front. Each call costs\n'
         "money and runs your code with the function's role. With CORS allowing `*`,\n"
         'any web page a user visits can also call it from the browser.\n',
  'fix': "Set the function URL's AuthType to AWS_IAM (callers sign with SigV4, or put\n"
         'CloudFront with origin access control in front), or authenticate every\n'
         'request inside the function; restrict CORS AllowOrigins to your own sites.\n',
  'example': 'ReportFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    FunctionUrlConfig:\n'
             '      AuthType: NONE\n'
             '      Cors:\n'
             '        AllowOrigins: ["*"]\n',
  'use_instead': 'ReportFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    FunctionUrlConfig:\n'
                 '      AuthType: AWS_IAM          # sign requests (SigV4) or front it with CloudFront OAC\n'
                 '      Cors:\n'
                 '        AllowOrigins: ["https://app.example.com"]\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors',
                 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-endpoints.html'],
  'cwe': [306],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'access.function_url_public',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA102-function-url-auth-none.yaml'},
 {'id': 'LA103',
  'title': 'resource policy lets any principal invoke, or a service principal without '
           'SourceArn/SourceAccount',
  'severity': 'high',
  'category': 'security',
  'what': "Looks at every `Allow` statement of the function's resource policy\n"
          '(`AWS::Lambda::Permission`, SAM event permissions, the policy document of an\n'
          '`AWS::Lambda::ResourcePolicy` on the function, a version or an alias, or\n'
          '`GetPolicy` on a live function) that grants an invoke action, and flags:\n'
          '\n'
          '* a principal of `*` (any AWS account, any caller) not narrowed by a\n'
          '  condition such as `aws:PrincipalOrgID`, `aws:SourceAccount` or\n'
          '  `aws:SourceArn`;\n'
          '* a service principal (`s3.amazonaws.com`, `sns.amazonaws.com`,\n'
          '  `events.amazonaws.com` …) with neither `SourceArn` nor `SourceAccount`.\n'
          '\n'
          'Public function URLs (`InvokeFunctionUrl` with auth type NONE) are left to\n'
          'LA102.\n'
          '\n'
          "Web Functions: the statements of the function's resource policy\n"
          '(`AWS::Lambda::ResourcePolicy`, `GetResourcePolicy`) are judged the same\n'
          'way, for `lambda:InvokeWebFunctionEndpoint` too; CloudFront\n'
          '(`cloudfront.amazonaws.com`) without `aws:SourceArn` is a service\n'
          'principal without a source.\n',
  'why': 'A permission for `*` lets anyone in any AWS account invoke the function. A\n'
         'permission for a service without `SourceArn` or `SourceAccount` lets that\n'
         "service invoke the function on behalf of *any* customer's resource: a\n"
         "bucket or topic in someone else's account can be pointed at your function\n"
         '(the confused-deputy problem), running your code with your role on their\n'
         'events.\n',
  'fix': 'Name the caller: set SourceArn (the bucket, topic or rule) and SourceAccount\n'
         'on service permissions, and replace a `*` principal by the account,\n'
         'service or organisation (PrincipalOrgID) that needs to invoke the function.\n',
  'example': 'ThumbnailPermission:\n'
             '  Type: AWS::Lambda::Permission\n'
             '  Properties:\n'
             '    FunctionName: !Ref ThumbnailFunction\n'
             '    Action: lambda:InvokeFunction\n'
             '    Principal: s3.amazonaws.com\n',
  'use_instead': 'ThumbnailPermission:\n'
                 '  Type: AWS::Lambda::Permission\n'
                 '  Properties:\n'
                 '    FunctionName: !Ref ThumbnailFunction\n'
                 '    Action: lambda:InvokeFunction\n'
                 '    Principal: s3.amazonaws.com\n'
                 '    SourceArn: !GetAtt UploadBucket.Arn\n'
                 '    SourceAccount: !Ref AWS::AccountId\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html',
                 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html',
                 'https://docs.aws.amazon.com/iot/latest/developerguide/lambda-rule-action.html',
                 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html',
                 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-resourcepolicy.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {'exempt_principals': ['alexa-appkit.amazonaws.com', 'alexa-connectedhome.amazonaws.com']},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'access.resource_policy_open',
  'message': None,
  'locate': None,
  'autofix': {'function': 'access.add_source_account',
              'safety': 'unsafe',
              'reason': 'A resource in another account that invokes the function through this service today '
                        'stops being able to. SourceAccount is written only for services that send it (S3, '
                        'SES, IoT); API Gateway, Elastic Load Balancing, EventBridge and SNS get a SourceArn '
                        'covering every such resource of this account; other services get no fix.'},
  'default': True,
  'file': 'LA103-resource-policy-open.yaml'},
 {'id': 'LA104',
  'title': 'execution role with wildcard actions or resources',
  'severity': 'high',
  'category': 'security',
  'what': "Flags an Allow statement the user wrote in the function's execution role\n"
          '(an inline role policy, an `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy`\n'
          'in the template, a SAM inline `Statement`, or a live inline or\n'
          'customer-managed policy) that grants `Action: "*"` or `"<service>:*"`,\n'
          'uses `NotAction` on `Resource: "*"`, or grants on `Resource: "*"`, without a\n'
          "condition, an action whose access level in AWS's Service Authorization\n"
          'Reference is Write, Permissions management or Tagging (`s3:PutObject`,\n'
          '`kms:Decrypt`, `iam:PassRole`, a pattern such as `s3:*Object` that matches\n'
          'one) and that supports a resource type, so it could have named its\n'
          'resources. Not flagged: actions that support no resource type\n'
          '(`rekognition:DetectLabels`, `xray:PutTraceSegments`: `"*"` is the only\n'
          "grant AWS accepts), Read and List actions (AWS's own read-only policies\n"
          'grant them on `"*"`; add them with the `access_levels` parameter), the\n'
          'actions AWS\'s Lambda execution policies grant on `"*"` (`logs:CreateLogGroup`,\n'
          '`logs:PutLogEvents`, `ec2:CreateNetworkInterface` …, `cloudwatch:PutMetricData`,\n'
          '`lambda:CheckpointDurableExecution`, `s3-object-lambda:WriteGetObjectResponse`),\n'
          'AWS managed policies and SAM policy templates. A statement in a role or\n'
          'policy that several functions share is one finding naming them all.\n'
          '\n'
          "Web Functions: each revision's execution role\n"
          "(`ServiceConfig.ExecutionRoleArn`; SAM's generated role) is judged the\n"
          'same way.\n',
  'why': "A function's role is what its code — and anyone who can make that code do\n"
         'something unexpected, through a dependency or an injected payload — can do in\n'
         'the account. `dynamodb:*` or `s3:PutObject` on `"*"` turns a bug in one small\n'
         'function into write access to every table or bucket, and an audit can no\n'
         'longer tell what the function actually needs.\n',
  'fix': 'Name the actions the function calls and the resources it touches (ARNs, or\n'
         '`!GetAtt Table.Arn`); prefer SAM policy templates, which are scoped already.\n',
  'example': 'Policies:\n'
             '  - Statement:\n'
             '      - Effect: Allow\n'
             '        Action: dynamodb:*\n'
             '        Resource: "*"\n',
  'use_instead': 'Policies:\n'
                 '  - DynamoDBCrudPolicy:          # or a Statement naming the actions it calls\n'
                 '      TableName: !Ref Orders\n',
  'references': ['https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html',
                 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
                 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicDurableExecutionRolePolicy.html',
                 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3ObjectLambdaExecutionRolePolicy.html',
                 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions.html'],
  'cwe': [250],
  'params': {'access_levels': ['Write', 'Permissions management', 'Tagging']},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'iam.wildcard_permissions',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA104-role-wildcards.yaml'},
 {'id': 'LA105',
  'title': 'environment references a secret the role cannot read',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags an environment variable that holds a Secrets Manager secret ARN\n'
          '(`arn:aws:secretsmanager:…:secret:…`) or a reference to an\n'
          '`AWS::SecretsManager::Secret` of the template (`!Ref DbSecret`), when every\n'
          'policy of the execution role is known (`role.complete`) and no Allow\n'
          'statement grants `secretsmanager:GetSecretValue` (or `secretsmanager:*`,\n'
          '`*`) on `*`, on that secret, or on a pattern that could match it. A role\n'
          'with a policy it cannot read, a resource it cannot resolve, or an action\n'
          "it cannot read keeps the rule silent. A grant in the secret's own resource\n"
          'policy is not seen.\n'
          '\n'
          "Web Functions: a secret ARN in a revision's environment is checked against\n"
          "that revision's execution role.\n",
  'why': "Passing the secret's ARN instead of its value is the right pattern, but the\n"
         'function then reads the value at run time with its own role. Without the\n'
         'permission the deployment succeeds and every cold start fails with\n'
         '`AccessDeniedException` — usually first noticed in production.\n',
  'fix': 'Grant `secretsmanager:GetSecretValue` on the secret (SAM\n'
         "`AWSSecretsManagerGetSecretValuePolicy`, or a statement with the secret's\n"
         'ARN), plus `kms:Decrypt` when it is encrypted with a customer managed key.\n',
  'example': 'Environment:\n'
             '  Variables:\n'
             '    DB_SECRET_ARN: !Ref DbSecret\n'
             'Policies:\n'
             '  - DynamoDBReadPolicy: {TableName: !Ref Orders}\n',
  'use_instead': 'Environment:\n'
                 '  Variables:\n'
                 '    DB_SECRET_ARN: !Ref DbSecret\n'
                 'Policies:\n'
                 '  - DynamoDBReadPolicy: {TableName: !Ref Orders}\n'
                 '  - AWSSecretsManagerGetSecretValuePolicy:\n'
                 '      SecretArn: !Ref DbSecret\n',
  'references': ['https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html',
                 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'iam.secret_role_cannot_read',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA105-secret-not-readable.yaml'},
 {'id': 'LA106',
  'title': 'functions with different execution roles share one Managed Instances capacity provider',
  'severity': 'medium',
  'category': 'security',
  'what': 'Flags a Lambda Managed Instances capacity provider (`CapacityProviderConfig`)\n'
          'that functions with different execution roles run on. One finding per\n'
          'capacity provider names every function and role; functions whose role or\n'
          'capacity provider cannot be told apart keep the rule silent.\n'
          '\n'
          'Web Functions have no Managed Instances capacity providers to judge: the\n'
          'rule stays silent on them.\n',
  'why': 'On Managed Instances the capacity provider, not the function, is the\n'
         'security boundary: its functions run as containers on the same EC2\n'
         'instances, and AWS states that containers do not isolate them from each\n'
         'other the way Firecracker microVMs do. Functions given different roles were\n'
         'meant to have different privileges; on one capacity provider a compromise\n'
         "of the least trusted one can reach the others' credentials and data.\n",
  'fix': 'Give functions that are not equally trusted their own capacity provider,\n'
         'and restrict `lambda:PassCapacityProvider` so that only the intended\n'
         'functions can be placed on each. If the functions are mutually trusted,\n'
         'suppress the finding with that reason.\n',
  'example': 'PublicApiFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CapacityProviderConfig:\n'
             '      Arn: !GetAtt SharedCapacity.Arn\n'
             '    Policies: [AmazonDynamoDBReadOnlyAccess]\n'
             'PaymentsFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CapacityProviderConfig:\n'
             '      Arn: !GetAtt SharedCapacity.Arn\n'
             '    Policies: [SecretsManagerReadWrite]\n',
  'use_instead': 'PublicApiFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CapacityProviderConfig:\n'
                 '      Arn: !GetAtt PublicCapacity.Arn\n'
                 'PaymentsFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CapacityProviderConfig:\n'
                 '      Arn: !GetAtt PaymentsCapacity.Arn   # its own trust boundary\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-security.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-capacity-providers.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'capacity.roles_share_capacity_provider',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA106-capacity-provider-shared-by-roles.yaml'},
 {'id': 'LA107',
  'title': 'public Web Function endpoint with no rate limit and no cap on environments',
  'severity': 'medium',
  'category': 'security',
  'what': 'Flags a Web Function endpoint with `AuthType: ApplicationManaged` (public:\n'
          'Lambda authenticates no request) that sets neither\n'
          '`ThrottleConfig.RateLimit` nor `ScalingConfig.MaxEnvironments`. An endpoint\n'
          'whose caps the source cannot read keeps the rule silent.\n',
  'why': "Without either cap an endpoint scales only up to the account's quotas: the\n"
         'Arm vCPU quota and the request-rate quota of Web Functions are per account\n'
         'and Region, and every Web Function there shares them. Anyone on the internet\n'
         'can drive a public endpoint to those quotas, so one abused site throttles all\n'
         'the others and runs up the bill.\n',
  'fix': 'Set `ThrottleConfig.RateLimit` (requests per second the endpoint accepts)\n'
         'and `ScalingConfig.MaxEnvironments` (execution environments it may use) on\n'
         'every public endpoint, sized for the expected peak.\n',
  'example': 'ShopEndpoint:\n'
             '  Type: AWS::Lambda::WebFunctionEndpoint\n'
             '  Properties:\n'
             '    FunctionName: shop\n'
             '    EndpointName: prod\n'
             '    EndpointType: HomeRegion\n'
             '    AuthType: ApplicationManaged\n',
  'use_instead': 'ShopEndpoint:\n'
                 '  Type: AWS::Lambda::WebFunctionEndpoint\n'
                 '  Properties:\n'
                 '    FunctionName: shop\n'
                 '    EndpointName: prod\n'
                 '    EndpointType: HomeRegion\n'
                 '    AuthType: ApplicationManaged\n'
                 '    ThrottleConfig:\n'
                 '      RateLimit: 500          # requests per second\n'
                 '    ScalingConfig:\n'
                 '      MaxEnvironments: 20\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/web-functions-scaling.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-endpoints.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-webfunctionendpoint.html',
                 'https://docs.aws.amazon.com/lambda/latest/lambda-web/API_AccountQuotas.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.public_endpoint_uncapped',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA107-public-endpoint-uncapped.yaml'},
 {'id': 'LA108',
  'title': 'code bucket readable by lambda.amazonaws.com or anyone, for any account',
  'severity': 'high',
  'category': 'security',
  'what': 'Flags the S3 bucket a Web Function revision takes its code from when its\n'
          'bucket policy lets `lambda.amazonaws.com` (or principal `*`) read objects\n'
          '(`s3:GetObject`, `s3:GetObjectVersion`) with no `aws:SourceArn` or\n'
          '`aws:SourceAccount` condition. The bucket and its policy must be in the\n'
          'template; a bucket made elsewhere keeps the rule silent.\n',
  'why': 'Web Functions read their package from your bucket as the Lambda service\n'
         'principal. A grant to `lambda.amazonaws.com` without a source condition\n'
         'lets a Web Function of any AWS account name your bucket and key and read\n'
         'your code, with whatever secrets it bundles (confused deputy).\n',
  'fix': 'Add `aws:SourceAccount` (your account) and an `aws:SourceArn` that matches\n'
         "your Web Functions' revisions (`...:web-function/<name>/revision/*`) to the\n"
         'statement that grants Lambda read access.\n',
  'example': 'Statement:\n'
             '  - Effect: Allow\n'
             '    Principal: {Service: lambda.amazonaws.com}\n'
             '    Action: [s3:GetObject, s3:GetObjectVersion]\n'
             '    Resource: !Sub "${CodeBucket.Arn}/*"\n',
  'use_instead': 'Statement:\n'
                 '  - Effect: Allow\n'
                 '    Principal: {Service: lambda.amazonaws.com}\n'
                 '    Action: [s3:GetObject, s3:GetObjectVersion]\n'
                 '    Resource: !Sub "${CodeBucket.Arn}/*"\n'
                 '    Condition:\n'
                 '      StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n'
                 '      ArnLike: {aws:SourceArn: !Sub '
                 '"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:web-function/*"}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/web-functions-code-s3.html#web-functions-code-s3-bucket-policy',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-webfunction.html',
                 'https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.code_bucket_open_to_lambda',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA108-code-bucket-open-to-lambda.yaml'},
 {'id': 'LA109',
  'title': 'layer version shared with every AWS account',
  'severity': 'high',
  'category': 'security',
  'what': 'Flags a function that uses a layer version whose layer version policy grants\n'
          '`lambda:GetLayerVersion` to principal `*` without an organisation (an\n'
          '`AWS::Lambda::LayerVersionPermission` with `Principal: "*"` and no\n'
          '`OrganizationId`, or a live policy read with `GetLayerVersionPolicy` for the\n'
          "audited account's own layers). Reported once per layer version, naming every\n"
          'function that uses it.\n',
  'why': 'A layer version shared with every account can be downloaded by anyone who\n'
         'knows or guesses its ARN: `GetLayerVersion` returns a link to its code. Layers\n'
         'carry shared libraries, configuration and sometimes credentials or internal\n'
         'logic; once public, nothing records who took a copy.\n',
  'fix': 'Share the layer with named accounts (`Principal: <account ID>`) or with your\n'
         'organisation (`OrganizationId`), or remove the permission\n'
         '(`aws lambda remove-layer-version-permission`); publish a new version if the\n'
         'code held anything secret, and rotate it.\n',
  'example': 'SharedLayerPermission:\n'
             '  Type: AWS::Lambda::LayerVersionPermission\n'
             '  Properties:\n'
             '    LayerVersionArn: !Ref SharedLayer\n'
             '    Action: lambda:GetLayerVersion\n'
             '    Principal: "*"\n',
  'use_instead': 'SharedLayerPermission:\n'
                 '  Type: AWS::Lambda::LayerVersionPermission\n'
                 '  Properties:\n'
                 '    LayerVersionArn: !Ref SharedLayer\n'
                 '    Action: lambda:GetLayerVersion\n'
                 '    Principal: "*"\n'
                 '    OrganizationId: o-a1b2c3d4e5   # only accounts of your organisation\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversionpermission.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_AddLayerVersionPermission.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'layers.layer_shared_with_everyone',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA109-layer-shared-with-everyone.yaml'},
 {'id': 'LA201',
  'title': 'async-invoked function without a dead-letter queue or on-failure destination',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags functions that S3, SNS, EventBridge (rules and schedules), SES, IoT,\n'
          'CloudWatch Logs, an API Gateway route that invokes with\n'
          "`X-Amz-Invocation-Type: 'Event'`, or another asynchronous invoker calls — through an event or\n"
          'through an `AWS::Lambda::Permission` for such a service — and that have\n'
          'neither a `DeadLetterConfig` nor an `OnFailure` destination. Functions\n'
          'invoked only synchronously (API Gateway, ALB, function URLs, Cognito\n'
          'triggers, IoT custom authorizers) or by polling (SQS, Kinesis, DynamoDB)\n'
          'are never flagged: their failures go back to the caller or the event source\n'
          'mapping. IoT topic rules invoke asynchronously, but an IoT custom\n'
          'authorizer (`AWS::IoT::Authorizer`, or a permission whose `SourceArn` is an\n'
          "authorizer) waits for the function's answer. CloudFormation invokes a\n"
          "custom resource's function asynchronously too, but its failure reaches the\n"
          "stack through the response URL (or the stack's timeout), never a\n"
          'dead-letter queue: not flagged.\n'
          '\n'
          'Web Functions have no asynchronous invocation to judge: the rule stays\n'
          'silent on them.\n',
  'why': 'For an asynchronous invocation Lambda queues the event, retries a failing\n'
         'invocation twice, and then discards the event. Without a dead-letter queue\n'
         'or an on-failure destination the event is gone with no trace but a log\n'
         'line: an uploaded file is never processed, an alert never sent.\n',
  'fix': 'Add an on-failure destination (EventInvokeConfig DestinationConfig.OnFailure:\n'
         'an SQS queue, SNS topic, EventBridge bus or function) or a DeadLetterQueue,\n'
         'and alarm on it.\n',
  'example': 'ResizeFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Events:\n'
             '      Upload:\n'
             '        Type: S3\n'
             '        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n',
  'use_instead': 'ResizeFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    EventInvokeConfig:\n'
                 '      MaximumRetryAttempts: 2\n'
                 '      DestinationConfig:\n'
                 '        OnFailure: {Type: SQS, Destination: !GetAtt ResizeFailures.Arn}\n'
                 '    Events:\n'
                 '      Upload:\n'
                 '        Type: S3\n'
                 '        Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html',
                 'https://docs.aws.amazon.com/iot/latest/developerguide/custom-auth-authorize.html',
                 'https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventinvokeconfiguration.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'async_errors.unhandled_async_failures',
  'message': None,
  'locate': None,
  'autofix': {'function': 'async_errors.add_failure_destination',
              'safety': 'unsafe',
              'reason': 'It adds a queue resource (and the right to send to it): failed events are kept '
                        'there instead of being dropped, which costs storage and holds event data for 14 '
                        'days.'},
  'default': True,
  'file': 'LA201-async-no-dlq.yaml'},
 {'id': 'LA202',
  'title': 'SQS event source whose queue has no redrive policy',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags an SQS event source whose queue is defined in the same template\n'
          'without a `RedrivePolicy` (a dead-letter queue and `maxReceiveCount`).\n'
          '\n'
          'Web Functions have no event sources to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'When the function fails on a message, the message becomes visible again and\n'
         "is received again, over and over, until the queue's retention period (4 days\n"
         'by default) ends and it is deleted. Each poison message costs invocations,\n'
         'delays the messages behind it, and is finally lost without a trace.\n',
  'fix': 'Give the queue a RedrivePolicy with a dead-letter queue and a maxReceiveCount\n'
         '(for example 5), alarm on the DLQ depth, and consider ReportBatchItemFailures.\n',
  'example': 'Orders:\n  Type: AWS::SQS::Queue\n  Properties:\n    VisibilityTimeout: 180\n',
  'use_instead': 'Orders:\n'
                 '  Type: AWS::SQS::Queue\n'
                 '  Properties:\n'
                 '    VisibilityTimeout: 180\n'
                 '    RedrivePolicy:\n'
                 '      deadLetterTargetArn: !GetAtt OrdersDlq.Arn\n'
                 '      maxReceiveCount: 5\n'
                 'OrdersDlq:\n'
                 '  Type: AWS::SQS::Queue\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html',
                 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'queues.sqs_without_redrive',
  'message': None,
  'locate': None,
  'autofix': {'function': 'queues.add_dead_letter_queue',
              'safety': 'unsafe',
              'reason': 'It adds a queue resource, and a message that fails 5 receives moves there instead '
                        'of being retried until its retention period ends.'},
  'default': True,
  'file': 'LA202-sqs-no-redrive.yaml'},
 {'id': 'LA203',
  'title': 'stream or Kafka event source without on-failure destination, or with unbounded retries',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a Kinesis or DynamoDB Streams event source that has no on-failure\n'
          'destination, or that retries without limit (`MaximumRetryAttempts` unset or\n'
          '-1) and does not split failing batches (`BisectBatchOnFunctionError`).\n'
          'Amazon MSK and self-managed Apache Kafka event sources are flagged when they\n'
          'have no on-failure destination (SQS, SNS, S3 or a Kafka topic); their retry\n'
          'controls exist only in provisioned mode, so their retries are not judged.\n'
          '\n'
          'Web Functions have no event sources to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'Lambda retries a failing stream batch until it succeeds or its records\n'
         'expire (24 hours for Kinesis and DynamoDB by default, up to a year). Until\n'
         'then the shard is blocked: every record behind the bad one waits and the\n'
         'iterator age climbs. When the records expire they are dropped, and without\n'
         'an on-failure destination nothing says which. Kafka partitions behave the\n'
         'same way: a failing batch is retried until its records expire from the\n'
         'topic.\n',
  'fix': 'Set MaximumRetryAttempts (and MaximumRecordAgeInSeconds), turn on\n'
         'BisectBatchOnFunctionError, and add DestinationConfig.OnFailure (SQS or SNS).\n'
         'For MSK and self-managed Kafka add DestinationConfig.OnFailure (SQS, SNS, S3,\n'
         'or a Kafka topic; the destination service needs a VPC endpoint in the\n'
         "cluster's VPC). The automatic fix covers Kinesis and DynamoDB only.\n",
  'example': 'Events:\n'
             '  Clicks:\n'
             '    Type: Kinesis\n'
             '    Properties:\n'
             '      Stream: !GetAtt ClickStream.Arn\n'
             '      StartingPosition: LATEST\n',
  'use_instead': 'Events:\n'
                 '  Clicks:\n'
                 '    Type: Kinesis\n'
                 '    Properties:\n'
                 '      Stream: !GetAtt ClickStream.Arn\n'
                 '      StartingPosition: LATEST\n'
                 '      MaximumRetryAttempts: 3\n'
                 '      BisectBatchOnFunctionError: true\n'
                 '      DestinationConfig:\n'
                 '        OnFailure: {Destination: !GetAtt ClickFailures.Arn}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'streams.stream_failures',
  'message': None,
  'locate': None,
  'autofix': {'function': 'streams.bound_stream_failures',
              'safety': 'unsafe',
              'reason': 'It changes how failures are retried (bisected batches, at most 5 retries, records '
                        'older than a day go to the destination) and adds a queue resource.'},
  'default': True,
  'file': 'LA203-stream-failures.yaml'},
 {'id': 'LA204',
  'title': 'SQS visibility timeout shorter than 6 × the function timeout',
  'severity': 'medium',
  'category': 'reliability',
  'what': "Flags an SQS event source whose queue's visibility timeout is less than\n"
          "`ratio` (6 by default) times the function's timeout. Both numbers must be\n"
          'known: a queue defined in the same template (30 s when `VisibilityTimeout`\n'
          'is not set) or read from the account.\n'
          '\n'
          'Web Functions have no event sources to judge: the rule stays silent on\n'
          'them.\n',
  'why': "While Lambda processes a batch, the messages stay hidden for the queue's\n"
         'visibility timeout only. When invocations are throttled or retried, a batch\n'
         'can take several function timeouts to finish; if the messages become visible\n'
         'first, another poller receives them again and they are processed twice (and\n'
         'each extra receive counts towards `maxReceiveCount`, pushing healthy messages\n'
         'into the dead-letter queue). AWS recommends a visibility timeout of at least\n'
         'six times the function timeout; below one function timeout Lambda refuses to\n'
         'create or update the event source mapping at all.\n',
  'fix': "Set the queue's VisibilityTimeout to at least 6 × the function timeout (or\n"
         'lower the function timeout), and keep maxReceiveCount at 5 or more.\n',
  'example': 'Jobs:\n'
             '  Type: AWS::SQS::Queue\n'
             '  Properties:\n'
             '    VisibilityTimeout: 60\n'
             'Worker:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Timeout: 30\n'
             '    Events:\n'
             '      Jobs:\n'
             '        Type: SQS\n'
             '        Properties:\n'
             '          Queue: !GetAtt Jobs.Arn\n',
  'use_instead': 'Jobs:\n'
                 '  Type: AWS::SQS::Queue\n'
                 '  Properties:\n'
                 "    VisibilityTimeout: 180   # 6 × the function's 30 s timeout\n",
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html',
                 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {'ratio': 6},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'timeouts.visibility_shorter_than_timeout',
  'message': None,
  'locate': None,
  'autofix': {'function': 'timeouts.raise_visibility_timeout',
              'safety': 'safe',
              'reason': 'It only lengthens how long SQS hides a message while a function works on it: '
                        'successful processing is unchanged, and a failed message still comes back for a '
                        'retry, later.'},
  'default': True,
  'file': 'LA204-sqs-visibility-timeout.yaml'},
 {'id': 'LA205',
  'title': 'timeout near the 15-minute maximum',
  'severity': 'low',
  'category': 'architecture',
  'what': 'Flags functions whose timeout is at or above `threshold_s` (840 seconds by\n'
          "default), close to Lambda's hard limit of 900 seconds. Not flagged: durable\n"
          'functions (`DurableConfig`), whose executions checkpoint and run for up to a\n'
          'year by design, and functions on Lambda Managed Instances\n'
          '(`CapacityProviderConfig`), where asynchronous and event-source-mapping\n'
          'invocations may run for up to 5,400 seconds; and handlers of CloudFormation\n'
          'custom resources that nothing else invokes, which CloudFormation waits on\n'
          'for up to an hour (`ServiceTimeout`, 3,600 seconds by default).\n'
          '\n'
          "Web Functions: a revision's `TimeoutSeconds` (3–900, default 30) is judged\n"
          'with the same threshold. A non-streaming request past it gets HTTP 504,\n'
          'but a streamed response is cut off at the timeout with the status already\n'
          'sent (usually 200) and a truncated body, so a request near 900 s fails\n'
          'silently: worth the same warning.\n',
  'why': 'A function that needs nearly 15 minutes is one slow dependency away from\n'
         'being killed mid-work, with no way to raise the limit. Long jobs also hold\n'
         'concurrency, cost the full duration on every retry, and outlive every\n'
         'synchronous caller (API Gateway gives up after 29 seconds).\n',
  'fix': 'Break the work into steps orchestrated by Step Functions (Map state for\n'
         'fan-out), or move the long-running job to ECS/Fargate or AWS Batch.\n',
  'example': 'Globals:\n  Function:\n    Timeout: 900\n',
  'use_instead': '# Split the job into steps in a Step Functions state machine,\n'
                 '# or run it as an ECS task on Fargate (no time limit).\n'
                 'Globals:\n'
                 '  Function:\n'
                 '    Timeout: 60\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html',
                 'https://docs.aws.amazon.com/step-functions/latest/dg/welcome.html',
                 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions-timeout.html'],
  'cwe': [],
  'params': {'threshold_s': 840},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['timeout_s'],
            'properties': {'timeout_s': {'type': 'integer', 'minimum': {'$param': 'threshold_s'}},
                           'durable': {'type': ['boolean', 'null']},
                           'capacity_provider': {'type': ['boolean', 'null']}},
            'not': {'required': ['event_sources'],
                    'properties': {'event_sources': {'type': 'array',
                                                     'minItems': 1,
                                                     'items': {'type': 'object',
                                                               'required': ['type'],
                                                               'properties': {'type': {'const': 'cloudformation'}}}}}}},
  'check': None,
  'message': '{doc[name]} has a timeout of {doc[timeout_s]} s, at or above {params[threshold_s]} s (Lambda '
             'stops every function at 900 s)',
  'locate': '/timeout_s',
  'autofix': None,
  'default': True,
  'file': 'LA205-timeout-near-max.yaml'},
 {'id': 'LA206',
  'title': 'API-triggered function whose timeout exceeds the API Gateway integration limit',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a function invoked by an API Gateway REST API (`api`) or HTTP API\n'
          '(`http_api`) event whose timeout is longer than the integration timeout of\n'
          "that API: the event's `TimeoutInMillis`, by default 29 seconds for a REST\n"
          'API and 30 seconds (the maximum) for an HTTP API. Integrations of a\n'
          'WebSocket API (an `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`)\n'
          'are not HTTP API events and are not reported: the client holds a\n'
          'connection rather than waiting on one request, and a function that answers\n'
          "later through the `@connections` API may run past the route's 29 seconds.\n"
          'Neither are REST routes that stream the response (`responseTransferMode:\n'
          'STREAM`, up to 15 minutes; only an explicit `timeoutInMillis` is compared)\n'
          "or that invoke asynchronously (`X-Amz-Invocation-Type: 'Event'`: API Gateway\n"
          'answers at once). Routes in an OpenAPI definition (`DefinitionBody`, `Body`,\n'
          'a local `DefinitionUri` or `AWS::Include`) count like events.\n'
          'Opt-in for live audits and their snapshots (`--select LA206`): an account\n'
          "shows only that API Gateway may invoke the function, not the integration's\n"
          'timeout, so the rule could only assume the default there. An overshoot of at\n'
          'most `minor_overshoot_s` (1 second: the common 30 s function behind a 29 s\n'
          'REST API) is reported at severity info, since only a request that takes\n'
          'between the two limits runs on unseen.\n'
          '\n'
          'Web Functions have no API Gateway integrations to judge: the rule stays\n'
          'silent on them.\n',
  'why': 'API Gateway stops waiting when the integration timeout ends and answers the\n'
         'caller with 504 Gateway Timeout, but the function goes on running to its own\n'
         'timeout: the work finishes for nobody, you pay for every second, and a client\n'
         'that retries starts the same work again beside it. HTTP APIs cannot wait more\n'
         'than 30 seconds. REST APIs wait 29 seconds by default; for Regional and\n'
         'private (not edge-optimized) REST APIs the limit can be raised through a\n'
         "Service Quotas request (which may lower the account's throttle quota), and\n"
         'the rule then follows the `TimeoutInMillis` the integration sets.\n',
  'fix': "Keep the function's timeout within the API's integration timeout, or move\n"
         'the long work behind the API to an asynchronous job (SQS, Step Functions) and\n'
         'return 202 with a way to fetch the result.\n',
  'example': 'Api:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Timeout: 60\n'
             '    Events:\n'
             '      Report:\n'
             '        Type: Api\n'
             '        Properties:\n'
             '          Path: /report\n'
             '          Method: get\n',
  'use_instead': 'Api:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 "    Timeout: 25          # answers within the API's 29 s\n"
                 '    Events:\n'
                 '      Report:\n'
                 '        Type: Api\n'
                 '        Properties:\n'
                 '          Path: /report\n'
                 '          Method: get\n'
                 '# Long work: accept the request, start it asynchronously (SQS, Step Functions),\n'
                 '# and let the client poll for the result or receive a callback.\n',
  'references': ['https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html',
                 'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html',
                 'https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html',
                 'https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html',
                 'https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html',
                 'https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {'minor_overshoot_s': 1},
  'sources': None,
  'opt_in_sources': ['account', 'snapshot'],
  'match': None,
  'check': 'timeouts.timeout_beyond_api_limit',
  'message': None,
  'locate': None,
  'autofix': {'function': 'timeouts.lower_timeout_to_api_limit',
              'safety': 'unsafe',
              'reason': "It stops the function at the API's limit: work that used to finish after the caller "
                        'got its 504 is now cut off.'},
  'default': True,
  'file': 'LA206-timeout-beyond-api-limit.yaml'},
 {'id': 'LA207',
  'title': 'reserved concurrency on a function fed by an SQS event source',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a function with reserved concurrency that reads one or more SQS\n'
          'queues, unless every SQS event source sets `ScalingConfig.MaximumConcurrency`\n'
          'and together they stay within the reserved concurrency. Reserved\n'
          'concurrency 0 (the function is switched off) always fires.\n'
          '\n'
          'Web Functions have no event sources and reserved concurrency to judge: the\n'
          'rule stays silent on them.\n',
  'why': "The SQS pollers scale with the queue, not with the function's reserved\n"
         'concurrency: above the cap Lambda throttles their invocations, the batch\n'
         'goes back to the queue, and every such receive counts towards\n'
         '`maxReceiveCount`, so messages that never failed end up in the dead-letter\n'
         'queue. `MaximumConcurrency` on the event source makes the pollers themselves\n'
         'stop at the limit, so nothing is throttled.\n',
  'fix': 'Set ScalingConfig.MaximumConcurrency on each SQS event source (2 to 1000, in\n'
         'total no more than the reserved concurrency), or remove the reserved\n'
         'concurrency.\n',
  'example': 'Worker:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    ReservedConcurrentExecutions: 10\n'
             '    Events:\n'
             '      Jobs:\n'
             '        Type: SQS\n'
             '        Properties:\n'
             '          Queue: !GetAtt Jobs.Arn\n',
  'use_instead': 'Worker:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Events:\n'
                 '      Jobs:\n'
                 '        Type: SQS\n'
                 '        Properties:\n'
                 '          Queue: !GetAtt Jobs.Arn\n'
                 '          ScalingConfig:\n'
                 '            MaximumConcurrency: 10   # keep the reserved concurrency too, if you like, at '
                 '≥ 10\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
                 'https://repost.aws/knowledge-center/lambda-sqs-scaling',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'concurrency.reserved_concurrency_with_sqs',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA207-reserved-concurrency-sqs.yaml'},
 {'id': 'LA208',
  'title': 'event source targets the function without a permission to invoke it',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags an event source that pushes events to the function (S3 bucket\n'
          'notification, SNS subscription, EventBridge rule or schedule target, API\n'
          'Gateway integration, ALB target group, CloudWatch Logs subscription filter,\n'
          '…) when nothing grants that service `lambda:InvokeFunction` on the function.\n'
          "In a template: no `AWS::Lambda::Permission` for the service's principal,\n"
          'and no statement for it in an `AWS::Lambda::ResourcePolicy` on the function.\n'
          'Sources whose permission is not known stay silent.\n'
          '\n'
          'Web Functions have no event sources to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'The notification, subscription or target only says where events should go;\n'
         'the service must also be allowed to call the function by its resource-based\n'
         'policy. Without that permission every invocation is refused: EventBridge\n'
         'counts FailedInvocations and drops the events, SNS gives up after its\n'
         'retries, API Gateway answers 500, and S3 does not even accept the\n'
         'notification configuration, so the stack fails to deploy.\n',
  'fix': 'Add an AWS::Lambda::Permission (lambda:InvokeFunction) for the service\n'
         'principal, scoped with SourceArn (and SourceAccount for S3), or use a SAM\n'
         "event, which creates it for you. When the function's policy is an\n"
         'AWS::Lambda::ResourcePolicy document, add the statement to that document\n'
         'instead: it replaces the whole policy, permissions added apart included.\n',
  'example': 'Uploads:\n'
             '  Type: AWS::S3::Bucket\n'
             '  Properties:\n'
             '    NotificationConfiguration:\n'
             '      LambdaConfigurations:\n'
             '        - Event: s3:ObjectCreated:*\n'
             '          Function: !GetAtt Thumbnailer.Arn\n',
  'use_instead': 'Uploads:\n'
                 '  Type: AWS::S3::Bucket\n'
                 '  DependsOn: UploadsPermission\n'
                 '  Properties:\n'
                 '    BucketName: !Ref UploadsBucketName     # a name, so the permission can name the '
                 'bucket\n'
                 '    NotificationConfiguration:\n'
                 '      LambdaConfigurations:\n'
                 '        - Event: s3:ObjectCreated:*\n'
                 '          Function: !GetAtt Thumbnailer.Arn\n'
                 'UploadsPermission:\n'
                 '  Type: AWS::Lambda::Permission\n'
                 '  Properties:\n'
                 '    Action: lambda:InvokeFunction\n'
                 '    FunctionName: !Ref Thumbnailer\n'
                 '    Principal: s3.amazonaws.com\n'
                 '    SourceAccount: !Ref AWS::AccountId\n'
                 '    SourceArn: !Sub arn:${AWS::Partition}:s3:::${UploadsBucketName}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-resourcepolicy.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_PutResourcePolicy.html',
                 'https://repost.aws/knowledge-center/unable-validate-circular-dependency-cloudformation',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'permissions.source_without_permission',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA208-source-without-permission.yaml'},
 {'id': 'LA209',
  'title': 'recursive loop detection turned off (RecursiveLoop Allow)',
  'severity': 'medium',
  'category': 'reliability',
  'what': "Flags a function whose `RecursiveLoop` is `Allow`. Lambda's default is\n"
          '`Terminate`: it detects a function caught in a loop through Amazon SQS,\n'
          'Amazon SNS or Amazon S3 (the function writes to the queue, topic or bucket\n'
          'that invokes it) and stops invoking it.\n'
          '\n'
          'Web Functions have no event sources (recursive loops) to judge: the rule\n'
          'stays silent on them.\n',
  'why': 'With `Allow`, Lambda takes no action when it detects the loop. One bad\n'
         'message or a bug in a guard condition then invokes the function again and\n'
         "again: it bills every invocation, can use up the account's concurrency and\n"
         'starve other functions, and keeps going until someone notices. AWS advises\n'
         '`Allow` only for designs that loop on purpose, with guard rails of their own.\n',
  'fix': 'Remove `RecursiveLoop: Allow` (or set `Terminate`). If the function must\n'
         'feed its own source, bound the loop in the payload (a hop counter) and\n'
         "alarm on the function's invocations, then suppress this finding with a reason.\n",
  'example': 'Type: AWS::Serverless::Function\n'
             'Properties:\n'
             '  RecursiveLoop: Allow\n'
             '  Events:\n'
             '    Jobs:\n'
             '      Type: SQS\n'
             '      Properties:\n'
             '        Queue: !GetAtt JobsQueue.Arn\n',
  'use_instead': 'Type: AWS::Serverless::Function\n'
                 'Properties:\n'
                 '  RecursiveLoop: Terminate   # or leave it out: Terminate is the default\n'
                 '  Events:\n'
                 '    Jobs:\n'
                 '      Type: SQS\n'
                 '      Properties:\n'
                 '        Queue: !GetAtt JobsQueue.Arn\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionRecursionConfig.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html#cfn-lambda-function-recursiveloop',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['recursive_loop'],
            'properties': {'recursive_loop': {'const': 'Allow'}}},
  'check': None,
  'message': '{doc[name]} sets RecursiveLoop: Allow, so Lambda does not stop it when it detects an SQS, SNS '
             'or S3 loop that invokes it again and again; every looped invocation is billed until someone '
             'notices',
  'locate': '/recursive_loop',
  'autofix': None,
  'default': True,
  'file': 'LA209-recursive-loop-allowed.yaml'},
 {'id': 'LA210',
  'title': 'SQS or stream event source without ReportBatchItemFailures',
  'severity': 'low',
  'category': 'reliability',
  'what': 'Flags an SQS, Kinesis or DynamoDB Streams event source whose\n'
          '`FunctionResponseTypes` does not include `ReportBatchItemFailures`, when\n'
          'its batch can hold more than one record (`BatchSize` over 1, or not set:\n'
          '10 for SQS, 100 for streams). Sources whose settings are not known (a\n'
          'mapping made outside the template) are left alone. Opt-in: it runs only\n'
          'with `--select LA210` (or `ALL`), because it asks for a code change in\n'
          'nearly every queue or stream consumer and idempotent consumers may accept\n'
          'the duplicate work.\n'
          '\n'
          'Web Functions have no event sources to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'Without partial batch responses a batch succeeds or fails as a whole. One\n'
         'bad SQS message makes every message of its batch visible again, so the good\n'
         'ones are processed again (and again, until the poison message reaches the\n'
         'dead-letter queue); on a stream, Lambda retries the whole batch from its\n'
         'first record and the shard waits. Idempotent code survives it, but pays for\n'
         'it in duplicate work and throughput.\n',
  'fix': 'Add `FunctionResponseTypes: [ReportBatchItemFailures]` to the event source\n'
         'and return the IDs of the failed records as `batchItemFailures` from the\n'
         'handler (for example with the Powertools for AWS Lambda batch utility).\n'
         'With the setting on, a handler that returns nothing still counts the whole\n'
         'batch as processed, so turn it on together with the code change.\n',
  'example': 'Events:\n'
             '  Orders:\n'
             '    Type: SQS\n'
             '    Properties:\n'
             '      Queue: !GetAtt OrdersQueue.Arn\n'
             '      BatchSize: 10\n',
  'use_instead': 'Events:\n'
                 '  Orders:\n'
                 '    Type: SQS\n'
                 '    Properties:\n'
                 '      Queue: !GetAtt OrdersQueue.Arn\n'
                 '      BatchSize: 10\n'
                 '      FunctionResponseTypes: [ReportBatchItemFailures]\n'
                 '# and the handler returns {"batchItemFailures": [{"itemIdentifier": <messageId>}]}\n'
                 "# for the records it could not process (Powertools' batch utility does it for you)\n",
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html',
                 'https://docs.aws.amazon.com/prescriptive-guidance/latest/lambda-event-filtering-partial-batch-responses-for-sqs/benefits-partial-batch-responses.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'batches.no_partial_batch_response',
  'message': None,
  'locate': None,
  'autofix': {'function': 'batches.report_batch_item_failures',
              'safety': 'safe',
              'reason': "Applied only when the function's inspected code already builds a batchItemFailures "
                        'response: successful batches are unchanged, and Lambda then retries only the '
                        'records the code names instead of the whole batch. Without that code there is no '
                        'fix, since the setting alone would count every batch as processed.'},
  'default': False,
  'file': 'LA210-no-partial-batch-response.yaml'},
 {'id': 'LA211',
  'title': 'function URL with auth NONE and no lambda:InvokeFunction grant',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a function URL with `AuthType: NONE` whose resource policy grants\n'
          '`lambda:InvokeFunctionUrl` to everyone but has no statement granting\n'
          '`lambda:InvokeFunction` to principal `*` (the statement AWS adds with the\n'
          'condition `lambda:InvokedViaFunctionUrl`, written in CloudFormation as\n'
          "`InvokedViaFunctionUrl: true` on an `AWS::Lambda::Permission`). SAM's\n"
          '`FunctionUrlConfig` adds both statements and passes; a statement whose\n'
          'action or principal cannot be read keeps the rule silent. When LA102 runs\n'
          'on the same URL, its one finding states both facts (403 today, public once\n'
          'the grant is added); this rule reports on its own when LA102 is not\n'
          'selected or is suppressed on the function.\n'
          '\n'
          'Web Functions have no function URLs to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'AWS\'s documentation: "Starting in October 2025, new function URLs will\n'
         'require both lambda:InvokeFunctionUrl and lambda:InvokeFunction\n'
         'permissions." Accounts that already had function URLs were given a\n'
         'temporary exception, and AWS asked them (in an AWS Health notice) to update\n'
         "their URLs' policies by November 1, 2026: since then an existing URL\n"
         'without the second grant is refused too. A URL on an alias (`Qualifier`)\n'
         'needs the grant on that alias. Without it every request is answered\n'
         '403 Forbidden — and a template written before October 2025 creates such a\n'
         'URL the next time it is deployed anew (a new stack, a new region).\n',
  'fix': 'Add an `AWS::Lambda::Permission` with `Action: lambda:InvokeFunction`,\n'
         '`Principal: "*"` and `InvokedViaFunctionUrl: true` on the same function\n'
         "(or alias) as the URL, or use SAM's `FunctionUrlConfig`, which adds it.\n",
  'example': 'FunctionUrl:\n'
             '  Type: AWS::Lambda::Url\n'
             '  Properties:\n'
             '    TargetFunctionArn: !Ref WebFunction\n'
             '    AuthType: NONE\n'
             'UrlPermission:\n'
             '  Type: AWS::Lambda::Permission\n'
             '  Properties:\n'
             '    FunctionName: !Ref WebFunction\n'
             '    Action: lambda:InvokeFunctionUrl\n'
             '    Principal: "*"\n'
             '    FunctionUrlAuthType: NONE\n',
  'use_instead': 'UrlPermission:\n'
                 '  Type: AWS::Lambda::Permission\n'
                 '  Properties:\n'
                 '    FunctionName: !Ref WebFunction\n'
                 '    Action: lambda:InvokeFunctionUrl\n'
                 '    Principal: "*"\n'
                 '    FunctionUrlAuthType: NONE\n'
                 'UrlInvokePermission:\n'
                 '  Type: AWS::Lambda::Permission\n'
                 '  Properties:\n'
                 '    FunctionName: !Ref WebFunction\n'
                 '    Action: lambda:InvokeFunction\n'
                 '    Principal: "*"\n'
                 '    InvokedViaFunctionUrl: true   # only through the URL\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
                 'https://github.com/serverless/serverless/issues/13147',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'access.url_missing_invoke_grant',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA211-url-without-invoke-grant.yaml'},
 {'id': 'LA212',
  'title': 'SQS event source filter deletes the messages it does not match',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags an SQS event source (SAM `Events` of type `SQS`, an\n'
          '`AWS::Lambda::EventSourceMapping`, or a live mapping) that sets\n'
          '`FilterCriteria`. Stream sources are not flagged: records that match no\n'
          'filter stay in the stream for other consumers until it expires.\n',
  'why': 'With filtering on an SQS source, Lambda deletes from the queue every message\n'
         'that matches none of the patterns. The message is not delivered to the\n'
         'function, does not count as a failure and never reaches the dead-letter\n'
         'queue: a pattern that is slightly wrong, or a producer that changes its\n'
         'format, silently destroys messages.\n',
  'fix': 'Keep only messages meant for this function in its queue (an SNS subscription\n'
         'filter policy, an EventBridge rule or pipe per consumer), or filter in the\n'
         'code where what is skipped can be logged. If losing non-matching messages is\n'
         'intended, suppress this finding with that reason.\n',
  'example': 'Worker:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Events:\n'
             '      Orders:\n'
             '        Type: SQS\n'
             '        Properties:\n'
             '          Queue: !GetAtt Orders.Arn\n'
             '          FilterCriteria:\n'
             '            Filters:\n'
             '              - Pattern: \'{"body": {"type": ["order"]}}\'\n',
  'use_instead': '# Route by content before the queue (an SNS subscription filter policy or an\n'
                 '# EventBridge rule per consumer), so every message in the queue is meant for\n'
                 '# the function; or filter inside the handler and report what it skips.\n'
                 'Worker:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Events:\n'
                 '      Orders:\n'
                 '        Type: SQS\n'
                 '        Properties:\n'
                 '          Queue: !GetAtt Orders.Arn\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'mappings.sqs_filters_discard',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA212-sqs-filter-discards.yaml'},
 {'id': 'LA213',
  'title': 'function cannot decrypt its environment (every invocation fails)',
  'severity': 'critical',
  'category': 'reliability',
  'what': 'Flags a live function whose configuration carries `Environment.Error`:\n'
          "Lambda could not decrypt the environment variables with the function's KMS\n"
          'key (a key disabled, scheduled for deletion or deleted, or a grant or key\n'
          'policy that no longer lets Lambda use it).\n',
  'why': 'Lambda decrypts the environment before it starts an execution environment.\n'
         'When it cannot, every invocation fails with a KMS error\n'
         '(`KMSDisabledException`, `KMSAccessDeniedException`, `KMSNotFoundException`)\n'
         'before any code runs: the function is down, whatever its callers retry.\n',
  'fix': 'Enable the KMS key (or cancel its scheduled deletion), or give the function\n'
         'a key it may use (`KMSKeyArn`, or remove it to use the AWS managed key) and\n'
         'deploy the environment again so Lambda re-encrypts it.\n',
  'example': '$ aws lambda get-function-configuration --function-name orders --query Environment.Error\n'
             '{"ErrorCode": "KMSDisabledException", "Message": "Lambda was unable to decrypt the environment '
             'variables because the KMS key used is disabled."}\n',
  'use_instead': '$ aws lambda get-function-configuration --function-name orders --query Environment.Error\n'
                 'null\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_EnvironmentError.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'lifecycle.environment_cannot_be_decrypted',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA213-environment-cannot-decrypt.yaml'},
 {'id': 'LA214',
  'title': 'event source mapping disabled or failing',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a poll event source (SQS, Kinesis, DynamoDB, Kafka, MQ, DocumentDB)\n'
          'that is disabled — `Enabled: false` in a template, `State: Disabled` in an\n'
          'account — and, in an account, a mapping whose `LastProcessingResult` reports a\n'
          'problem (reported as high severity).\n',
  'why': 'A disabled mapping polls nothing: messages wait in the queue until its\n'
         "retention period deletes them, and stream records expire at the stream's\n"
         "retention. A mapping whose last poll reports `PROBLEM` (the function's role\n"
         'cannot read the source, a KMS key, a network path to a broker) delivers\n'
         "nothing either, and no alarm on the function's own errors shows it.\n",
  'fix': 'Enable the mapping, or delete it together with the source if it is no\n'
         'longer used. For a failing mapping, read `LastProcessingResult` and fix what\n'
         "it names (the role's permissions on the source, its KMS key, the network\n"
         'path), then watch it return to `OK`.\n',
  'example': 'Worker:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Events:\n'
             '      Orders:\n'
             '        Type: SQS\n'
             '        Properties:\n'
             '          Queue: !GetAtt Orders.Arn\n'
             '          Enabled: false\n',
  'use_instead': 'Worker:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Events:\n'
                 '      Orders:\n'
                 '        Type: SQS\n'
                 '        Properties:\n'
                 '          Queue: !GetAtt Orders.Arn   # enabled by default\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'mappings.mapping_stopped_or_failing',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA214-mapping-disabled-or-failing.yaml'},
 {'id': 'LA301',
  'title': 'Lambda invokes Lambda',
  'severity': 'medium',
  'category': 'architecture',
  'what': 'Flags a function that calls another function directly: its role allows\n'
          "`lambda:InvokeFunction` on another function of the scan (including SAM's\n"
          "`LambdaInvokePolicy`), an environment variable carries another function's\n"
          'name or ARN (`!Ref OtherFn`, `!GetAtt OtherFn.Arn`, a literal name) and\n'
          'its role may invoke it (or is not completely known), or the package\n'
          'inspection found an `Invoke` call in its code. All evidence about one\n'
          'caller and one callee is one finding. A grant alone on a role that several\n'
          'functions share belongs to the one whose environment or code names the\n'
          'callee: the others on that role are not flagged for it. Not flagged: a durable function\n'
          'calling another (`context.invoke()` suspends it without billing), a call\n'
          'that starts a durable function (it is the workflow), a call to a function\n'
          'in tenant isolation mode (`TenancyConfig: {TenantIsolationMode: PER_TENANT}`:\n'
          'only an invoke carrying a tenant ID reaches it, and event source mappings\n'
          "cannot pass one, so a router function that invokes it is AWS's pattern), and\n"
          'an asynchronous OnSuccess/OnFailure destination (Lambda delivers the result:\n'
          'the decoupled pattern).\n',
  'why': "A synchronous call makes the caller wait — and pay — for the callee's whole\n"
         'run, couples their timeouts, retries and concurrency, and turns one error\n'
         'into two. An asynchronous direct call hides the hand-off from every tool\n'
         'that would show a queue. Either way the workflow lives in code, where nobody\n'
         'can see, retry or replay it.\n',
  'fix': 'Orchestrate the steps with Step Functions, or decouple them: send a message\n'
         'to SQS, publish to SNS, or put an event on EventBridge, and let the other\n'
         'function consume it.\n',
  'example': 'OrderFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Environment:\n'
             '      Variables:\n'
             '        PAYMENT_FUNCTION: !Ref PaymentFunction\n'
             '    Policies:\n'
             '      - LambdaInvokePolicy:\n'
             '          FunctionName: !Ref PaymentFunction\n',
  'use_instead': 'OrderWorkflow:\n'
                 '  Type: AWS::Serverless::StateMachine   # Step Functions calls both functions\n'
                 '  Properties:\n'
                 '    DefinitionUri: statemachine/order.asl.json\n'
                 '    Policies:\n'
                 '      - LambdaInvokePolicy: {FunctionName: !Ref OrderFunction}\n'
                 '      - LambdaInvokePolicy: {FunctionName: !Ref PaymentFunction}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
                 'https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-invoke.html',
                 'https://aws.amazon.com/blogs/compute/integrating-event-source-mappings-with-aws-lambda-tenant-isolation-mode/',
                 'https://docs.aws.amazon.com/step-functions/latest/dg/welcome.html',
                 'https://aws.amazon.com/blogs/compute/operating-lambda-anti-patterns-in-event-driven-architectures-part-3/'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'lambda_calls.lambda_invokes_lambda',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA301-lambda-invokes-lambda.yaml'},
 {'id': 'LA302',
  'title': 'function connects to RDS directly, without RDS Proxy',
  'severity': 'medium',
  'category': 'architecture',
  'what': 'Flags a function whose environment hands it an RDS database endpoint — a\n'
          'literal `*.rds.amazonaws.com` host that is not an RDS Proxy endpoint, or a\n'
          '`!GetAtt` of an `AWS::RDS::DBInstance` or `AWS::RDS::DBCluster` endpoint —\n'
          'when the function is given no RDS Proxy at all.\n',
  'why': 'Every concurrent execution of a function is a separate process with its own\n'
         'database connection. A burst of traffic scales Lambda to hundreds of\n'
         'executions in seconds, and the database runs out of connections (or memory\n'
         'spent on them) long before Lambda runs out of concurrency; idle execution\n'
         'environments also keep their connections open. RDS Proxy pools and shares\n'
         'connections, so the database sees a steady, bounded number of them, and\n'
         'failovers are faster.\n',
  'fix': 'Put an RDS Proxy in front of the database and give the function the proxy\n'
         'endpoint (with IAM authentication); or use the RDS Data API, which needs no\n'
         'connection at all.\n',
  'example': 'Api:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Environment:\n'
             '      Variables:\n'
             '        DB_HOST: !GetAtt OrdersDb.Endpoint.Address\n',
  'use_instead': 'OrdersProxy:\n'
                 '  Type: AWS::RDS::DBProxy\n'
                 '  Properties:\n'
                 '    EngineFamily: POSTGRESQL\n'
                 '    # Auth, RoleArn, VpcSubnetIds …\n'
                 'Api:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Environment:\n'
                 '      Variables:\n'
                 '        DB_HOST: !GetAtt OrdersProxy.Endpoint\n',
  'references': ['https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-rds.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'databases.rds_without_proxy',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA302-rds-without-proxy.yaml'},
 {'id': 'LA303',
  'title': 'SES receipt rule invokes the function without storing the mail to S3 first',
  'severity': 'medium',
  'category': 'architecture',
  'what': 'Flags an `AWS::SES::ReceiptRule` whose `LambdaAction` invokes the function\n'
          'asynchronously (`InvocationType: Event`, the default) with no `S3Action`\n'
          'before it in the same rule. A `RequestResponse` invocation is left alone:\n'
          'that is a filter deciding on headers and verdicts (`STOP_RULE`, `CONTINUE`).\n'
          'Rules wired only by a permission, or read from an account, are not checked.\n',
  'why': "The event SES sends to Lambda carries the message's headers and the spam,\n"
         'virus, SPF and DKIM verdicts, but not its body or attachments. A function\n'
         'that processes mail therefore has nothing to read unless an earlier action\n'
         'stored the message; the SNS action is no substitute beyond 150 KB (larger\n'
         'mail bounces), while the S3 action keeps the whole message.\n',
  'fix': 'Put an S3Action before the LambdaAction in the receipt rule, and let the\n'
         "function read the object named after the event's `mail.messageId`.\n",
  'example': 'Rule:\n  Actions:\n    - LambdaAction:\n        FunctionArn: !GetAtt InboxFunction.Arn\n',
  'use_instead': 'Rule:\n'
                 '  Actions:\n'
                 '    - S3Action:\n'
                 '        BucketName: !Ref InboxBucket\n'
                 '        ObjectKeyPrefix: incoming/\n'
                 '    - LambdaAction:              # reads incoming/<messageId> from the bucket\n'
                 '        FunctionArn: !GetAtt InboxFunction.Arn\n',
  'references': ['https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-lambda.html',
                 'https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-lambda-event.html',
                 'https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'ses.mail_not_stored_first',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA303-ses-mail-not-stored.yaml'},
 {'id': 'LA304',
  'title': 'web framework packed into a function',
  'severity': 'info',
  'category': 'architecture',
  'what': 'Reports functions whose code imports a web framework (Express, Koa,\n'
          'Fastify, NestJS, Flask, FastAPI, Django, Spring Boot) or a Lambda adapter for\n'
          'one (serverless-http, aws-serverless-express, Mangum, serverless-wsgi,\n'
          'aws-serverless-java-container), found in the source, the dependency\n'
          'manifest, or the packaged dependencies.\n'
          '\n'
          'Web Functions have no a web framework packed into an event handler (a Web\n'
          'Function is a web server by design) to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'A whole web application in one function (a "Lambdalith") starts the\n'
         'framework and its routing on every cold start, grows the package, and\n'
         'gives every route the same memory, timeout and permissions. It can be the\n'
         'right trade-off, but it should be a choice: API Gateway already routes.\n',
  'fix': 'Keep it if the cold start and package size are acceptable; otherwise split\n'
         'routes into functions routed by API Gateway, or use a lighter router\n'
         '(AWS Lambda Powertools event handler).\n',
  'example': '# app.js\n'
             "const express = require('express');\n"
             "const serverless = require('serverless-http');\n"
             'const app = express();\n'
             "app.get('/users/:id', getUser);\n"
             'module.exports.handler = serverless(app);\n',
  'use_instead': '# One small handler per route; API Gateway does the routing.\n'
                 'GetUser:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Handler: users.get\n'
                 '    Events:\n'
                 '      Api: {Type: HttpApi, Properties: {Path: /users/{id}, Method: GET}}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html',
                 'https://docs.powertools.aws.dev/lambda/python/latest/core/event_handler/api_gateway/',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'code.web_frameworks',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA304-web-framework.yaml'},
 {'id': 'LA305',
  'title': 'durable function reached through its unqualified ARN ($LATEST)',
  'severity': 'medium',
  'category': 'architecture',
  'what': 'Flags a durable function (`DurableConfig`) that an event source, a\n'
          'permission or its function URL reaches through the unqualified function\n'
          'ARN, which runs `$LATEST`, instead of a version or an alias. SAM events and\n'
          'URLs of a function with `AutoPublishAlias` go to the alias and pass; a\n'
          'caller whose qualifier cannot be read keeps the rule silent.\n'
          '`DurableConfig.AllowInvokeLatest` (shown in the Lambda guide, absent from\n'
          'the API model) is read where present: it changes the message, not the verdict.\n'
          '\n'
          'Web Functions have no durable execution to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'A durable execution can run for up to a year: it checkpoints its steps and\n'
         'replays its code from the start after every wait or failure. AWS asks\n'
         'callers to invoke a version or an alias so that each execution stays pinned\n'
         'to the code that started it. Through `$LATEST`, a deployment in the middle\n'
         'of an execution makes the replay run new code against the old checkpoints,\n'
         'and steps that were renamed or reordered break the execution.\n',
  'fix': 'Publish versions (SAM `AutoPublishAlias`, or `AWS::Lambda::Version` and\n'
         '`AWS::Lambda::Alias`) and point every event source, permission and caller\n'
         'at the alias (`!Ref Fn.Alias`) or a version, never at the function itself.\n',
  'example': 'OrderWorkflow:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    DurableConfig:\n'
             '      ExecutionTimeout: 86400\n'
             '    Events:\n'
             '      Orders:\n'
             '        Type: SQS\n'
             '        Properties:\n'
             '          Queue: !GetAtt OrdersQueue.Arn\n',
  'use_instead': 'OrderWorkflow:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    AutoPublishAlias: live        # events now invoke the alias\n'
                 '    DurableConfig:\n'
                 '      ExecutionTimeout: 86400\n'
                 '    Events:\n'
                 '      Orders:\n'
                 '        Type: SQS\n'
                 '        Properties:\n'
                 '          Queue: !GetAtt OrdersQueue.Arn\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/durable-best-practices.html#durable-versioning',
                 'https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/durable-configuration.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-durableconfig.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'durable.durable_through_latest',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA305-durable-through-latest.yaml'},
 {'id': 'LA401',
  'title': 'zipped package over the 50 MB direct-upload limit',
  'severity': 'medium',
  'category': 'packaging',
  'what': 'Flags functions whose zipped deployment package is larger than\n'
          '`max_zipped_bytes` (50 MB by default). The size comes from the zip found on\n'
          'disk (a `CodeUri`/`Code` zip, a CDK asset, a Serverless artifact) or, in an\n'
          "audit, from the function's `CodeSize`. Folder packages have no zipped size\n"
          'until they are zipped, so they are judged by LA402 only.\n',
  'why': 'Lambda refuses a zip over 50 MB uploaded directly (console, `UpdateFunctionCode`\n'
         'with `ZipFile`, many CI scripts); only an upload through S3 gets past it. A\n'
         'package that large is also slow to download on every cold start, and is\n'
         'usually carrying test data, build caches or a dependency the runtime already\n'
         'provides (boto3, the AWS SDK).\n',
  'fix': 'Trim the package (exclude tests, docs and build caches; do not bundle the\n'
         'AWS SDK), move large dependencies to a layer, or deploy a container image.\n',
  'example': 'HeavyFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CodeUri: dist/heavy.zip     # 73 MB\n'
             '    Runtime: python3.12\n',
  'use_instead': 'HeavyFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CodeUri: dist/heavy.zip     # dependencies moved to a layer, tests excluded\n'
                 '    Layers: [!Ref DepsLayer]\n'
                 '    Runtime: python3.12\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-zip.html'],
  'cwe': [],
  'params': {'max_zipped_bytes': 52428800},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.zipped_over_limit',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA401-zipped-package-size.yaml'},
 {'id': 'LA402',
  'title': 'function plus layers over 250 MB unzipped',
  'severity': 'high',
  'category': 'packaging',
  'what': "Adds up the unzipped size of the function's package and of every layer that\n"
          'could be inspected, and flags the function when the total is over\n'
          '`max_unzipped_bytes` (250 MB by default). The message names the biggest\n'
          'parts and the largest files.\n',
  'why': 'Lambda rejects a deployment whose code and layers together unzip to more\n'
         'than 250 MB; the stack update fails at deploy time, usually after a\n'
         'dependency upgrade quietly added a few hundred megabytes (a second copy of a\n'
         'machine-learning library, debug symbols, bundled test data). Near that size\n'
         'every cold start is also slow.\n',
  'fix': 'Remove what the function does not need (tests, docs, *.pyc, debug symbols,\n'
         'duplicate libraries across layers), load models from S3 or EFS at cold start,\n'
         'or package the function as a container image (up to 10 GB).\n',
  'example': 'Predict:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CodeUri: predict/          # torch + numpy + model files: 310 MB\n'
             '    Layers: [!Ref PandasLayer]\n',
  'use_instead': 'Predict:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    PackageType: Image         # container images may be up to 10 GB\n'
                 '    ImageUri: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/predict:latest\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/images-create.html'],
  'cwe': [],
  'params': {'max_unzipped_bytes': 262144000},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.unzipped_over_limit',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA402-unzipped-package-size.yaml'},
 {'id': 'LA403',
  'title': 'more than 5 layers',
  'severity': 'high',
  'category': 'packaging',
  'what': 'Flags functions that list more than `max_layers` (5) layers. Works from the\n'
          '`Layers` list alone; no package needs to be inspected.\n'
          '\n'
          'Web Functions have no layers to judge: the rule stays silent on them.\n',
  'why': 'Lambda accepts at most five layers per function; a sixth makes the\n'
         'deployment fail. Long layer lists also make it hard to know which version of\n'
         'a library wins, since later layers overwrite files of earlier ones.\n',
  'fix': 'Merge layers that are always deployed together, or bundle small\n'
         'dependencies into the function package.\n',
  'example': 'Layers:\n'
             '  - !Ref Pandas\n'
             '  - !Ref Numpy\n'
             '  - !Ref Requests\n'
             '  - !Ref Powertools\n'
             '  - !Ref Common\n'
             '  - !Ref Auth\n',
  'use_instead': 'Layers:\n'
                 '  - !Ref DataLibs      # pandas + numpy in one layer\n'
                 '  - !Ref Powertools\n'
                 '  - !Ref Shared        # requests + common + auth\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {'max_layers': 5},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.too_many_layers',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA403-too-many-layers.yaml'},
 {'id': 'LA404',
  'title': 'Windows binary (PE) in the package or a layer',
  'severity': 'high',
  'category': 'packaging',
  'what': 'Flags every file in the function package or its layers that is a Windows\n'
          'executable: a Portable Executable header (`MZ` … `PE`), or a name ending in\n'
          '`.exe` or `.dll`. The message names the file inside the package.\n'
          '\n'
          'Web Functions run on arm64 only (there is no architecture setting), so a\n'
          "revision's package is judged as arm64.\n",
  'why': 'Lambda runs on Amazon Linux. A `tool.exe` packed with the function and\n'
         'started with `subprocess` or `child_process` never runs there: the call fails\n'
         'with "exec format error" only in production, although it worked on the\n'
         "developer's Windows machine.\n",
  'fix': "Replace the Windows binary with a Linux build for the function's\n"
         'architecture (or a layer that provides one), or call a library instead of an\n'
         'external program.\n',
  'example': 'Convert:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CodeUri: convert/     # convert/bin/pdftotext.exe\n'
             '    Runtime: python3.12\n',
  'use_instead': 'Convert:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CodeUri: convert/     # convert/bin/pdftotext: the Linux build\n'
                 '    Runtime: python3.12\n'
                 '    Architectures: [x86_64]\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration-architecture.html'],
  'cwe': [],
  'params': {'max_files': 20},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.windows_binaries',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA404-windows-binary.yaml'},
 {'id': 'LA405',
  'title': "native binary built for another architecture than the function's",
  'severity': 'high',
  'category': 'packaging',
  'what': 'Flags native libraries and executables in the package or its layers that\n'
          'the function cannot load: ELF files built for another CPU than the\n'
          "function's `Architectures` (x86-64 in an arm64 function, arm64 in an x86_64\n"
          'one; x86_64 is assumed when none is given), and macOS (Mach-O) binaries\n'
          'anywhere. The message names the file inside the package. A Python\n'
          'extension module with its pure-Python twin beside it (`md.cpython-39-darwin.so`\n'
          'next to `md.py`, as some libraries ship optional accelerators) is not\n'
          'flagged: Python imports the `.py` file when the binary cannot load.\n'
          '\n'
          'Web Functions run on arm64 only (there is no architecture setting): native\n'
          "binaries in a revision's package must be built for Linux arm64.\n",
  'why': 'Dependencies with native code (numpy, cryptography, sharp, bcrypt …) are\n'
         'built for the machine that ran `pip install` or `npm install`. Packaged on a\n'
         'Mac or for the wrong architecture, the import fails at the first cold start\n'
         'with "invalid ELF header" or "cannot open shared object file", although every\n'
         'test passed locally.\n',
  'fix': "Install dependencies for Lambda's platform: `sam build --use-container`,\n"
         '`pip install --platform manylinux2014_aarch64 --only-binary=:all:` (or\n'
         '`manylinux2014_x86_64`), `npm install --cpu=arm64 --os=linux`; or change the\n'
         "function's Architectures to match the binaries.\n",
  'example': 'Resize:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CodeUri: resize/      # node_modules/sharp/build/Release/sharp.node is x86_64\n'
             '    Architectures: [arm64]\n',
  'use_instead': 'Resize:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CodeUri: resize/      # installed with: npm install --cpu=arm64 --os=linux sharp\n'
                 '    Architectures: [arm64]\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/python-package.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration-architecture.html'],
  'cwe': [],
  'params': {'max_files': 20},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.foreign_binaries',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA405-foreign-architecture-binary.yaml'},
 {'id': 'LA406',
  'title': 'container image over 10 GB, or package near a size limit',
  'severity': 'low',
  'category': 'packaging',
  'what': 'Flags container images over `max_image_bytes` (10 GB, raised to high\n'
          'severity), and packages whose zipped size, unzipped size with layers, or\n'
          'image size is at or above `warn_ratio` (0.8) of the limit without being over\n'
          'it (LA401 and LA402 report those).\n',
  'why': 'Cold start time grows with the code Lambda has to fetch and unpack. A\n'
         'package near a hard limit also leaves no room: the next dependency upgrade\n'
         'makes the deployment fail. An image over 10 GB cannot be used by Lambda at\n'
         'all.\n',
  'fix': 'Trim the package (unused dependencies, tests, data files), load large assets\n'
         'from S3 or EFS, and measure the cold start; for images, use a slimmer base\n'
         'image and multi-stage builds.\n',
  'example': 'Report:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    CodeUri: report/      # 215 MB unzipped with its layers\n',
  'use_instead': 'Report:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    CodeUri: report/      # 60 MB: fonts and templates read from S3 at cold start\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/images-create.html'],
  'cwe': [],
  'params': {'warn_ratio': 0.8,
             'max_zipped_bytes': 52428800,
             'max_unzipped_bytes': 262144000,
             'max_image_bytes': 10737418240},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'packaging.near_limits',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA406-package-near-limits.yaml'},
 {'id': 'LA407',
  'title': 'function uses a layer version that no longer exists',
  'severity': 'medium',
  'category': 'packaging',
  'what': 'Flags functions in an account (live audit or snapshot) whose configuration\n'
          'names a layer version that `GetLayerVersionByArn` reports as deleted.\n'
          'Templates cannot tell, so the rule only fires on live data.\n',
  'why': 'Lambda keeps a copy of a deleted layer version for the functions already\n'
         'using it, so nothing breaks today. But the next configuration update that\n'
         'keeps the layer, a redeploy of the same template, or a new function that\n'
         'references it fails with "layer version does not exist", usually in the\n'
         'middle of an urgent fix.\n',
  'fix': 'Point the function at a layer version that exists (publish a new one if\n'
         'needed), then redeploy; stop deleting layer versions that functions still use.\n',
  'example': 'Layers:\n'
             '  - arn:aws:lambda:eu-west-1:123456789012:layer:shared-utils:3   # version 3 was deleted\n',
  'use_instead': 'Layers:\n'
                 '  - arn:aws:lambda:eu-west-1:123456789012:layer:shared-utils:7   # a version that exists\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersionByArn.html'],
  'cwe': [],
  'params': {},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'access.missing_layer_versions',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA407-layer-version-deleted.yaml'},
 {'id': 'LA501',
  'title': 'deprecated or soon-deprecated runtime',
  'severity': 'medium',
  'category': 'operations',
  'what': 'Flags functions on a runtime that AWS has deprecated, whose deprecation is\n'
          'less than `warn_days` away, or for which creating or updating functions is\n'
          'already blocked. The dates and the successor come from the runtime\n'
          'lifecycle table cfn-lint maintains (a bundled copy when cfn-lint is not\n'
          "installed), so the rule follows AWS's schedule without a release of\n"
          'lambda-advisor.\n'
          '\n'
          "Web Functions: a revision's runtime follows the deprecation cycle of the\n"
          'same Event Function runtime; a runtime Web Functions do not offer is\n'
          "LA703's, not this rule's. Customer-managed runtimes (`Runtime: custom`\n"
          'with `RuntimeConfig`) are judged by the release lifecycle of their runtime\n'
          'alias (`AWS::Lambda::RuntimeAlias` `ReleaseLifecycle`, else its\n'
          "runtime's): deprecated, past a block date, or `ReleaseState: DEPRECATED`.\n"
          'Lambda sends no notice for these, so this rule is the only warning.\n',
  'why': 'A deprecated runtime gets no security patches and no support. After the\n'
         'create-block date a new stack or region cannot use it; after the\n'
         'update-block date even a code or configuration fix to an existing function\n'
         'is refused, so an incident may find you unable to deploy.\n',
  'fix': 'Upgrade to the successor runtime named in the message, run the tests on it,\n'
         'and redeploy before the update-block date.\n',
  'example': 'Globals:\n  Function:\n    Runtime: python3.9\n',
  'use_instead': 'Globals:\n  Function:\n    Runtime: python3.13\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtime-support-policy',
                 'https://github.com/aws-cloudformation/cfn-lint/blob/main/src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json',
                 'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html',
                 'https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-runtimes.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-runtimealias.html',
                 'https://docs.aws.amazon.com/lambda/latest/lambda-core/API_RuntimeReleaseLifecycle.html'],
  'cwe': [1104],
  'params': {'warn_days': 180,
             'severity_by_phase': {'upcoming': 'low',
                                   'deprecated': 'medium',
                                   'create_blocked': 'high',
                                   'update_blocked': 'high'}},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'runtimes.deprecated_runtime',
  'message': None,
  'locate': None,
  'autofix': {'function': 'runtimes.move_to_successor',
              'safety': 'unsafe',
              'reason': 'A new language version can change how the code and its dependencies behave (native '
                        'packages need a rebuild); deploy it after your tests pass. The fix reads the '
                        "handler's module when it can: a callback-style Node.js handler stays on the newest "
                        'runtime that still runs it (not nodejs24.x), Python 2 code that does not parse as '
                        'Python 3 gets no fix, and without visible code the change says so.'},
  'default': True,
  'file': 'LA501-deprecated-runtime.yaml'},
 {'id': 'LA502',
  'title': 'X-Ray tracing off',
  'severity': 'low',
  'category': 'operations',
  'what': 'Flags a function whose X-Ray tracing mode is `PassThrough`, which is what\n'
          'Lambda uses when `Tracing` (SAM) or `TracingConfig` (CloudFormation) is not\n'
          'set. A tracing mode the source cannot tell (an unresolved intrinsic) keeps\n'
          'the rule silent. Opt-in: it fires on most functions, so it runs only with\n'
          '`--select LA502` (or `ALL`); a prefix such as `LA5` does not turn it on.\n'
          '\n'
          'Web Functions have no X-Ray tracing to judge: the rule stays silent on\n'
          'them.\n',
  'why': 'Without active tracing, a slow or failing request shows up as one number in\n'
         "the function's metrics: you cannot see which downstream call (DynamoDB, an\n"
         'HTTP API, another service) took the time or threw the error, nor follow a\n'
         'request across API Gateway, queues and other functions. Tracing has to be on\n'
         'before the incident you want to investigate.\n',
  'fix': 'Set `Tracing: Active` (SAM, also under `Globals: Function:`) or\n'
         '`TracingConfig: {Mode: Active}` (CloudFormation) and allow the role\n'
         '`xray:PutTraceSegments` and `xray:PutTelemetryRecords`.\n',
  'example': 'OrdersFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Runtime: python3.13\n'
             '    Handler: app.handler\n',
  'use_instead': 'OrdersFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Runtime: python3.13\n'
                 '    Handler: app.handler\n'
                 '    Tracing: Active   # SAM adds the X-Ray write permissions to the role\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-tracing',
                 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object', 'required': ['tracing'], 'properties': {'tracing': {'const': 'PassThrough'}}},
  'check': None,
  'message': '{doc[name]} has X-Ray tracing off (mode {doc[tracing]}); its slow or failing calls to other '
             'services cannot be traced',
  'locate': '/tracing',
  'autofix': {'function': 'tracing.enable_tracing',
              'safety': 'safe',
              'reason': "Tracing records what the function's calls do without changing them: successful work "
                        'is unchanged (sampled traces add a small X-Ray cost, and a role written in the '
                        'template gets the two X-Ray write actions).'},
  'default': False,
  'file': 'LA502-tracing-off.yaml'},
 {'id': 'LA503',
  'title': 'log group without retention',
  'severity': 'low',
  'category': 'cost',
  'what': 'Flags a function whose CloudWatch Logs group keeps logs forever: the\n'
          'template declares the group without `RetentionInDays`, or declares no group\n'
          'at all, in which case Lambda creates `/aws/lambda/<function name>` on the\n'
          'first invocation with retention "Never expire". In a live audit it flags a\n'
          'group without retention, or one that does not exist yet. A retention the\n'
          'source cannot tell keeps the rule silent, and so does a log group of the\n'
          'DELIVERY class (it keeps events one day and only forwards them to Amazon S3\n'
          'or Firehose) or one whose retention comes from an account-level setting. Opt-in: it runs only '
          'with\n'
          '`--select LA503` (or `ALL`); a prefix such as `LA5` does not turn it on.\n'
          '\n'
          "Web Functions: a revision's default log group is\n"
          '`/aws/lambda/web/<function name>` (or\n'
          '`TelemetryConfig.LoggingConfig.LogGroup`).\n',
  'why': 'CloudWatch Logs bills every GB stored, every month, forever: a chatty\n'
         "function's logs soon cost more than the function. Old logs also keep\n"
         'whatever personal data was logged longer than any policy allows. A log group\n'
         'Lambda created itself is outside the stack, so the template cannot fix it\n'
         'later without importing it first.\n',
  'fix': "Declare the function's log group in the template (`AWS::Logs::LogGroup`\n"
         'named `/aws/lambda/<function name>`, or one passed in `LoggingConfig`) with\n'
         '`RetentionInDays`; for an existing function, set retention on its group.\n',
  'example': 'OrdersFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Handler: app.handler\n'
             '    Runtime: python3.13\n',
  'use_instead': 'OrdersFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Handler: app.handler\n'
                 '    Runtime: python3.13\n'
                 'OrdersLogGroup:\n'
                 '  Type: AWS::Logs::LogGroup\n'
                 '  Properties:\n'
                 '    LogGroupName: !Sub /aws/lambda/${OrdersFunction}\n'
                 '    RetentionInDays: 30\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-logging.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['logging'],
            'properties': {'logging': {'type': 'object',
                                       'required': ['retention_days'],
                                       'properties': {'retention_days': {'const': False},
                                                      'log_group_class': {'not': {'const': 'DELIVERY'}},
                                                      'account_retention': {'not': {'const': True}}}}}},
  'check': None,
  'message': '{doc[name]} keeps its logs forever: its log group has retention "Never expire", so CloudWatch '
             'Logs storage grows and is billed without bound',
  'locate': '/logging',
  'autofix': None,
  'default': False,
  'file': 'LA503-log-retention.yaml'},
 {'id': 'LA504',
  'title': 'memory left at the 128 MB default',
  'severity': 'info',
  'category': 'performance',
  'what': 'Flags a function whose memory is 128 MB because `MemorySize` was never set\n'
          '(neither on the function nor under SAM `Globals`). A function where 128 MB\n'
          'was written down on purpose is not flagged; a live audit, which cannot tell\n'
          'a default from a choice, stays silent; so do functions on Lambda Managed\n'
          'Instances, whose memory is sized per execution environment on the capacity\n'
          "provider's instances. Opt-in: it runs only with\n"
          '`--select LA504` (or `ALL`); a prefix such as `LA5` does not turn it on.\n'
          '\n'
          'Web Functions have no memory to judge: the rule stays silent on them.\n',
  'why': 'Lambda allocates CPU in proportion to memory: at 128 MB a function gets a\n'
         'small fraction of a vCPU, so start-up, JSON parsing, TLS handshakes and any\n'
         'real computation run slowly. Because price is memory × duration, more memory\n'
         'often finishes so much faster that it costs the same or less. The default is\n'
         'a placeholder, not a measured choice.\n',
  'fix': 'Measure the function at several memory sizes (AWS Lambda Power Tuning runs\n'
         'it for you and charts cost against speed) and set `MemorySize` to the\n'
         'result; write `MemorySize: 128` explicitly if 128 MB is the measured best.\n',
  'example': 'OrdersFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Runtime: python3.13\n'
             '    Handler: app.handler\n',
  'use_instead': 'OrdersFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Runtime: python3.13\n'
                 '    Handler: app.handler\n'
                 '    MemorySize: 512   # measured with AWS Lambda Power Tuning\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html',
                 'https://github.com/alexcasalboni/aws-lambda-power-tuning',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['memory_mb', 'memory_explicit'],
            'properties': {'memory_mb': {'const': 128},
                           'memory_explicit': {'const': False},
                           'capacity_provider': {'type': ['boolean', 'null']}}},
  'check': None,
  'message': '{doc[name]} runs with the default {doc[memory_mb]} MB of memory (MemorySize is not set); CPU '
             'scales with memory, so measure it with AWS Lambda Power Tuning and set MemorySize',
  'locate': '/memory_mb',
  'autofix': None,
  'default': False,
  'file': 'LA504-default-memory.yaml'},
 {'id': 'LA505',
  'title': 'Java/.NET function without SnapStart or provisioned concurrency',
  'severity': 'info',
  'category': 'performance',
  'what': 'Flags a function on a Java (`java*`) or .NET (`dotnet*`) runtime whose\n'
          'SnapStart is off and that has no provisioned concurrency. Both must be known:\n'
          'a source that cannot tell (a live audit does not read provisioned\n'
          'concurrency) keeps the rule silent. The message says when SnapStart is not\n'
          'an option: it needs Java 11+ or .NET 8+, a zip package, and ephemeral\n'
          'storage of at most 512 MB. Not flagged: functions on Lambda Managed\n'
          'Instances, whose execution environments keep running between invocations,\n'
          'and functions whose every known caller is a queue, a stream or an\n'
          'asynchronous event (no function URL), where no one waits on a cold start.\n'
          '\n'
          'Web Functions have no SnapStart and provisioned concurrency to judge: the\n'
          'rule stays silent on them.\n',
  'why': 'The JVM and the .NET runtime load and JIT-compile a lot of code before the\n'
         'first request; a cold start of several seconds is common, and it hits every\n'
         'scale-out, not only the first call. For an API or other synchronous caller\n'
         'that is visible latency. SnapStart restores a snapshot of the initialised\n'
         'environment instead; provisioned concurrency keeps environments warm.\n',
  'fix': 'Turn on SnapStart (`SnapStart: {ApplyOn: PublishedVersions}` and invoke a\n'
         'version or alias), or configure provisioned concurrency on an alias. A\n'
         'function invoked only asynchronously or by an event source mapping is not\n'
         'reported: its cold start delays no caller.\n',
  'example': 'Runtime: java21\nMemorySize: 1024\n',
  'use_instead': 'Runtime: java21\n'
                 'MemorySize: 1024\n'
                 'AutoPublishAlias: live\n'
                 'SnapStart:\n'
                 '  ApplyOn: PublishedVersions\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'cold_starts.cold_starts_unmitigated',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA505-cold-starts-java-dotnet.yaml'},
 {'id': 'LA506',
  'title': 'no alias or gradual deployment',
  'severity': 'low',
  'category': 'reliability',
  'what': 'Flags a function that has no alias (SAM `AutoPublishAlias`, or an\n'
          '`AWS::Lambda::Alias` in the template) and no gradual deployment (SAM\n'
          '`DeploymentPreference`, alias `RoutingConfig`, or a CodeDeploy update\n'
          'policy). A source that cannot tell (a live audit) keeps the rule silent.\n'
          'Opt-in: it runs only with `--select LA506` (or `ALL`); a prefix such as\n'
          '`LA5` does not turn it on.\n'
          '\n'
          'Web Functions: flags an endpoint that sends each new revision 100 % of its\n'
          "traffic at once: auto-deployment mode `LatestRevision` (SAM's default), or\n"
          "in a template a single 100 % weight on the stack's own revision, which\n"
          'every change replaces. Two weights (canary, blue/green) pass.\n',
  'why': 'Without an alias every caller invokes `$LATEST`, so each deployment sends\n'
         'all traffic to the new code at once. A bad release fails every request\n'
         'until someone notices and redeploys the old code by hand. With an alias and\n'
         'traffic shifting (canary or linear), CodeDeploy moves a small share of\n'
         'traffic first and rolls back on its own when alarms fire.\n',
  'fix': 'Add SAM `AutoPublishAlias: live` and a `DeploymentPreference` (for example\n'
         '`Type: Canary10Percent5Minutes` with alarms), point callers at the alias,\n'
         'and let CodeDeploy shift traffic and roll back.\n',
  'example': 'OrdersFunction:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    Runtime: python3.13\n'
             '    Handler: app.handler\n',
  'use_instead': 'OrdersFunction:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    Runtime: python3.13\n'
                 '    Handler: app.handler\n'
                 '    AutoPublishAlias: live\n'
                 '    DeploymentPreference:\n'
                 '      Type: Canary10Percent5Minutes\n'
                 '      Alarms: [!Ref OrdersErrorsAlarm]\n',
  'references': ['https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-deployment.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-revisions.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'deployments.no_gradual_deployment',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': False,
  'file': 'LA506-no-gradual-deployment.yaml'},
 {'id': 'LA507',
  'title': 'VPC function with subnets in one Availability Zone',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a function attached to a VPC whose subnets are all in one\n'
          'Availability Zone. The zones must be known: the template defines the\n'
          'subnets (`AWS::EC2::Subnet` with `AvailabilityZone`); subnet IDs from\n'
          'parameters or imports keep the rule silent.\n'
          '\n'
          'Web Functions: the subnets of the network connector a revision uses\n'
          '(`EgressNetworkConnectorArn`) are judged the same way.\n',
  'why': 'Lambda runs a VPC function only in the Availability Zones of its subnets.\n'
         'With a single zone, an outage of that zone (or its running out of IP\n'
         'addresses) stops the function entirely, although Lambda itself would keep\n'
         'running it in the other zones. AWS recommends subnets in at least two zones.\n',
  'fix': "Add a subnet in a second (and third) Availability Zone to the function's\nVpcConfig.\n",
  'example': 'VpcConfig:\n  SubnetIds: [!Ref PrivateSubnetA]\n  SecurityGroupIds: [!Ref FunctionSg]\n',
  'use_instead': 'VpcConfig:\n'
                 '  SubnetIds: [!Ref PrivateSubnetA, !Ref PrivateSubnetB]   # two zones\n'
                 '  SecurityGroupIds: [!Ref FunctionSg]\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/security-resilience.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-networkconnector.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['vpc'],
            'properties': {'vpc': {'type': 'object',
                                   'required': ['availability_zones'],
                                   'properties': {'availability_zones': {'type': 'array',
                                                                         'minItems': 1,
                                                                         'maxItems': 1}}}}},
  'check': None,
  'message': '{doc[name]} runs in a VPC whose subnets are all in one Availability Zone '
             '({doc[vpc][availability_zones][0]}); if that zone fails, so does the function',
  'locate': '/vpc',
  'autofix': None,
  'default': True,
  'file': 'LA507-vpc-single-az.yaml'},
 {'id': 'LA508',
  'title': 'environment variables over the 4 KB limit',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a function whose environment variables, measured as Lambda measures\n'
          'them — the variables as one compact JSON object (`{"KEY":"value",…}`) in\n'
          'UTF-8 — exceed `max_bytes` (4096). Only templates are measured, and only\n'
          'when every value is a literal: a value filled in at deploy time (`!Ref`,\n'
          '`!GetAtt`, `!Sub` with references) has no known length.\n'
          '\n'
          "Web Functions have no the 4 KB total of an Event Function's environment to\n"
          'judge: the rule stays silent on them.\n',
  'why': 'Lambda refuses a configuration whose environment is over 4 KB ("exceeded\n'
         'the 4KB limit"), so the stack fails to deploy or update. Environments grow\n'
         'until they hit it: certificates, JSON configuration and long lists are the\n'
         'usual culprits.\n',
  'fix': 'Move large values to SSM Parameter Store, Secrets Manager or AppConfig and\n'
         'pass their names; or ship static configuration in the package.\n',
  'example': 'Environment:\n'
             '  Variables:\n'
             '    FEATURE_FLAGS: \'{"checkout": true, ... 4 000 more characters ...}\'\n',
  'use_instead': 'Environment:\n'
                 '  Variables:\n'
                 '    FEATURE_FLAGS_PARAM: /app/feature-flags   # read from SSM Parameter Store or '
                 'AppConfig\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {'max_bytes': 4096},
  'sources': ['template'],
  'opt_in_sources': None,
  'match': None,
  'check': 'environment.environment_too_large',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA508-environment-size.yaml'},
 {'id': 'LA509',
  'title': 'SDK clients or connections created inside the handler',
  'severity': 'medium',
  'category': 'performance',
  'what': 'Flags AWS SDK clients (`boto3.client`, `boto3.resource`, `new S3Client(...)`,\n'
          '`new AWS.DynamoDB(...)`) and database connections (`psycopg2.connect`,\n'
          '`pymysql.connect`, `MongoClient`, `mysql.createConnection`, `new Pool`, …)\n'
          'created inside the handler function instead of at module level. Python is\n'
          'read with its parser; JavaScript/TypeScript by a heuristic (calls inside the\n'
          'braces of the exported handler). A client assigned to a `global` (lazy\n'
          'initialisation) is not flagged, nor is a Python client given credentials of\n'
          "its own (`aws_access_key_id`/`aws_session_token`: an assumed role's, which\n"
          'expire, so a client per call is right), nor a function that only backs\n'
          'CloudFormation custom resources (it runs on stack operations, never warm).\n'
          '\n'
          'Web Functions have no a per-event handler to judge: the rule stays silent\n'
          'on them.\n',
  'why': 'Lambda keeps the execution environment between invocations, and everything\n'
         'created outside the handler is reused. A client or connection made inside\n'
         'the handler pays the TLS handshake, credential lookup and connection set-up\n'
         'on every request, and database connections opened per invocation can\n'
         "exhaust the database's connection limit under load.\n",
  'fix': 'Create SDK clients and connections at module level (or lazily, once, in a\n'
         'global) so that warm invocations reuse them; use RDS Proxy for relational\n'
         'databases.\n',
  'example': 'import boto3\n'
             '\n'
             'def handler(event, context):\n'
             '    table = boto3.resource("dynamodb").Table("orders")\n'
             '    return table.get_item(Key={"id": event["id"]})\n',
  'use_instead': 'import boto3\n'
                 '\n'
                 'table = boto3.resource("dynamodb").Table("orders")   # once per cold start\n'
                 '\n'
                 'def handler(event, context):\n'
                 '    return table.get_item(Key={"id": event["id"]})\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'code.clients_in_handler',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA509-clients-in-handler.yaml'},
 {'id': 'LA510',
  'title': 'SnapStart that cannot take effect',
  'severity': 'medium',
  'category': 'performance',
  'what': 'Flags a function with `SnapStart: {ApplyOn: PublishedVersions}` that also\n'
          'has something SnapStart does not support: a runtime other than Java 11+,\n'
          'Python 3.12+ or .NET 8+ (or a container image), an Amazon EFS file system\n'
          '(`FileSystemConfigs`), ephemeral storage over 512 MB, provisioned\n'
          'concurrency, or no published version or alias at all.\n'
          '\n'
          'Web Functions have no SnapStart to judge: the rule stays silent on them.\n',
  'why': 'SnapStart restores execution environments from a snapshot taken when a\n'
         'version is published. Lambda refuses it with EFS, ephemeral storage over\n'
         '512 MB and provisioned concurrency, does not offer it on other runtimes,\n'
         'and never applies it to `$LATEST`: a function invoked only through\n'
         '`$LATEST` pays for SnapStart in deployment time and gets ordinary cold\n'
         'starts. The author believes cold starts are handled; they are not.\n',
  'fix': 'Remove what SnapStart cannot work with (EFS, ephemeral storage over 512 MB,\n'
         'provisioned concurrency), move to a supported runtime, and invoke the\n'
         'function through a published version or alias (SAM `AutoPublishAlias`).\n'
         'If one of these must stay, turn SnapStart off and use provisioned\n'
         'concurrency instead.\n',
  'example': 'Type: AWS::Serverless::Function\n'
             'Properties:\n'
             '  Runtime: java21\n'
             '  SnapStart:\n'
             '    ApplyOn: PublishedVersions\n'
             '  EphemeralStorage:\n'
             '    Size: 2048\n',
  'use_instead': 'Type: AWS::Serverless::Function\n'
                 'Properties:\n'
                 '  Runtime: java21\n'
                 '  AutoPublishAlias: live          # SnapStart applies to published versions\n'
                 '  SnapStart:\n'
                 '    ApplyOn: PublishedVersions\n'
                 '  EphemeralStorage:\n'
                 '    Size: 512\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/web-functions-configuration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'cold_starts.snapstart_ineffective',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA510-snapstart-ineffective.yaml'},
 {'id': 'LA511',
  'title': 'reserved concurrency 0 switches the function off',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a function whose reserved concurrency is 0 (`ReservedConcurrentExecutions: 0`\n'
          'in a template, or `PutFunctionConcurrency` with 0 in an account). A function\n'
          'that SQS event sources feed is left to LA207, which names the queues.\n',
  'why': "Reserved concurrency 0 is Lambda's off switch: every invocation is throttled,\n"
         'whoever sends it. Synchronous callers get `429 TooManyRequestsException`,\n'
         'asynchronous events are retried and then dropped (or sent to the dead-letter\n'
         'queue), and event source mappings stop. It is sometimes set by hand in an\n'
         'incident and forgotten, or copied into a template by mistake.\n',
  'fix': "Remove the reserved concurrency (the function then shares the account's\n"
         'unreserved pool) or set it to the number of executions the function needs.\n'
         'If the function is switched off on purpose, say so with a suppression and\n'
         'its reason.\n',
  'example': 'Worker:\n'
             '  Type: AWS::Serverless::Function\n'
             '  Properties:\n'
             '    ReservedConcurrentExecutions: 0\n',
  'use_instead': 'Worker:\n'
                 '  Type: AWS::Serverless::Function\n'
                 '  Properties:\n'
                 '    ReservedConcurrentExecutions: 10   # or leave it out: the function shares the '
                 "account's pool\n",
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': {'type': 'object',
            'required': ['reserved_concurrency'],
            'properties': {'reserved_concurrency': {'const': 0},
                           'event_sources': {'not': {'type': 'array',
                                                     'contains': {'type': 'object',
                                                                  'required': ['type'],
                                                                  'properties': {'type': {'const': 'sqs'}}}}}}},
  'check': None,
  'message': '{doc[name]} has reserved concurrency 0: every invocation is throttled, so the function cannot '
             'run at all',
  'locate': '/reserved_concurrency',
  'autofix': None,
  'default': True,
  'file': 'LA511-reserved-concurrency-zero.yaml'},
 {'id': 'LA512',
  'title': 'function Failed or Inactive, or its last update failed',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a live function whose `State` is `Failed` or `Inactive`, or whose\n'
          '`LastUpdateStatus` is `Failed`, as `GetFunction` reports it (with the\n'
          'reason code AWS gives). Templates do not have a state; snapshots keep it.\n',
  'why': "Functions can only be invoked while `Active`. A `Failed` function's\n"
         'resources could not be created (a subnet, security group or EFS mount that\n'
         'is gone, a role Lambda cannot assume, an image it cannot pull): it must be\n'
         'fixed and redeployed, or deleted and created again. An `Inactive` function\n'
         'was idle long enough for Lambda to reclaim its resources: the next\n'
         'invocation fails while Lambda recreates them, and if that fails the function\n'
         'stays inactive. A failed update leaves the previous code and configuration\n'
         'running, so what was deployed is not what runs.\n',
  'fix': 'Read the reason code (`StateReasonCode`, `LastUpdateStatusReasonCode`),\n'
         'fix what it names (subnet IP addresses, a deleted security group, the\n'
         "role's trust policy, the image or KMS key) and deploy again; delete a\n"
         'function that is no longer wanted.\n',
  'example': "$ aws lambda get-function --function-name orders --query 'Configuration.[State, "
             "StateReasonCode]'\n"
             '["Failed", "SubnetOutOfIPAddresses"]\n',
  'use_instead': "$ aws lambda get-function --function-name orders --query 'Configuration.[State, "
                 "LastUpdateStatus]'\n"
                 '["Active", "Successful"]\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'lifecycle.function_not_active',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA512-function-failed-or-inactive.yaml'},
 {'id': 'LA513',
  'title': 'unreserved account concurrency near the 100 floor',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags, once per account and region, that the concurrency left unreserved\n'
          '(`GetAccountSettings` `AccountLimit.UnreservedConcurrentExecutions`) is\n'
          'below `unreserved_floor` + `margin` (100 + 50 by default), naming the\n'
          'functions without reserved concurrency, which share that pool. A live audit\n'
          'reads it once per region; snapshots keep it.\n',
  'why': 'AWS always keeps 100 concurrent executions unreserved for the functions that\n'
         'reserve none. When reservations have used up the rest, every other function\n'
         'of the region shares those 100: a burst on one throttles them all, and no\n'
         'function can reserve more. A new account with a limit below 100 is in the\n'
         'same place from the start.\n',
  'fix': 'Lower the reservations that are larger than their functions need, or\n'
         'request a higher concurrency quota (Service Quotas, "Concurrent\n'
         'executions") for the region.\n',
  'example': '$ aws lambda get-account-settings --query AccountLimit\n'
             '{"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 100}\n',
  'use_instead': '$ aws lambda get-account-settings --query AccountLimit\n'
                 '{"ConcurrentExecutions": 3000, "UnreservedConcurrentExecutions": 2100}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html'],
  'cwe': [],
  'params': {'unreserved_floor': 100, 'margin': 50},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'lifecycle.account_concurrency_low',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA513-account-concurrency-floor.yaml'},
 {'id': 'LA601',
  'title': 'error rate over 10 % on a day (measured)',
  'severity': 'high',
  'category': 'reliability',
  'what': "Reads the function's daily `Invocations` and `Errors` from CloudWatch (live\n"
          'audits with `--evidence`, the default, and their snapshots) and flags a\n'
          'function whose errors exceeded `max_error_rate` (10 %) of its invocations\n'
          'on any day of the window, on days with at least `min_invocations`\n'
          "invocations. The threshold is Trusted Advisor's: its Lambda check flags\n"
          'functions where more than 10 % of invocations end in an error on any day.\n',
  'why': 'Every failed invocation is billed, retried by asynchronous and stream\n'
         'sources (billed again), and seen by a user or lost as an event. A day above\n'
         '10 % is no longer noise: a dependency is down, a deploy broke the handler,\n'
         'or bad input is retried in a loop.\n',
  'fix': "Read the function's logs for the day named in the finding (CloudWatch Logs\n"
         'Insights: `filter @message like /ERROR/`), fix the cause, and add a\n'
         'CloudWatch alarm on the error rate (metric math `Errors / Invocations`).\n',
  'example': 'Invocations (Sum, daily):  2,400  2,380  2,512\n'
             'Errors (Sum, daily):          12     18    312   ← 12 % on the third day\n',
  'use_instead': 'Errors (Sum, daily):          12     18     20   ← below 1 %, with an alarm on\n'
                 '                                                   Errors / Invocations\n',
  'references': ['https://docs.aws.amazon.com/awssupport/latest/user/cost-optimization-checks.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html'],
  'cwe': [],
  'params': {'max_error_rate': 0.1, 'min_invocations': 1},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.error_rate',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA601-error-rate.yaml'},
 {'id': 'LA602',
  'title': 'invocations ran into the timeout (measured)',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Reads the daily maximum of `Duration` from CloudWatch and flags a function\n'
          'whose longest invocation of a day reached its configured timeout\n'
          '(`at_timeout_ratio`, 99 % of it, allows for rounding): at least one\n'
          "invocation that day was stopped by the timeout. Trusted Advisor's Lambda\n"
          "timeout check and CloudWatch's recommended `Duration` alarm watch the same\n"
          'signal.\n',
  'why': 'A timed-out invocation is killed mid-work: a write half done, a message\n'
         'neither processed nor failed cleanly, a caller that waited the whole\n'
         'timeout and then got an error. It is billed for the full timeout and,\n'
         'from asynchronous and stream sources, retried into the same wall.\n',
  'fix': 'Find what the slow invocations waited on (X-Ray, or the REPORT lines in the\n'
         'logs), give outbound calls their own shorter timeouts, and set the function\n'
         'timeout above the measured worst case.\n',
  'example': 'Timeout: 3\nDuration (Maximum, daily):  1,204  3,000.4  3,001.2 ms   ← at the 3 s timeout\n',
  'use_instead': 'Timeout: 10          # measured p99 is 2.1 s; the client call now has its own 2 s '
                 'timeout\n',
  'references': ['https://docs.aws.amazon.com/awssupport/latest/user/cost-optimization-checks.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html'],
  'cwe': [],
  'params': {'at_timeout_ratio': 0.99},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.timeouts_hit',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA602-timeouts-hit.yaml'},
 {'id': 'LA603',
  'title': 'invocations throttled (measured), with the concurrency that caused it',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Reads the daily `Throttles` of the function and flags any throttling in the\n'
          'window (`min_throttles`), naming the cap that caused it: its reserved\n'
          'concurrency (when `ConcurrentExecutions` reached it), a reservation of 0,\n'
          "or the account's concurrency quota (when the region's\n"
          '`ClaimedAccountConcurrency` reached `account_ratio` of the quota from\n'
          "`GetAccountSettings`). CloudWatch's recommended alarms for Lambda include\n"
          '`Throttles`.\n',
  'why': 'A throttled synchronous call fails with HTTP 429; an asynchronous event is\n'
         'retried for up to six hours and then dropped; an SQS batch returns to the\n'
         'queue and counts towards `maxReceiveCount`, so messages that never failed\n'
         'end in the dead-letter queue.\n',
  'fix': 'Raise (or drop) the reserved concurrency named in the finding, cap the\n'
         'pollers with `MaximumConcurrency` for SQS sources, or ask for a higher\n'
         "account concurrency quota when the account's cap was reached.\n",
  'example': 'ReservedConcurrentExecutions: 5\n'
             'Throttles (Sum, daily):  0  0  418  ← ConcurrentExecutions peaked at 5\n',
  'use_instead': 'ReservedConcurrentExecutions: 50\n'
                 '# or, for an SQS source: ScalingConfig.MaximumConcurrency: 5\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html'],
  'cwe': [],
  'params': {'min_throttles': 1, 'account_ratio': 0.9},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.throttled',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA603-throttled.yaml'},
 {'id': 'LA604',
  'title': 'asynchronous events dropped or not delivered (measured)',
  'severity': 'high',
  'category': 'reliability',
  'what': 'For functions invoked asynchronously (read only where configuration says\n'
          'so), reads `AsyncEventsDropped`, `DeadLetterErrors` and\n'
          '`DestinationDeliveryFailures` and flags any event lost in the window\n'
          '(`min_events`): dropped after the retries or the maximum event age, or\n'
          'failed on its way to the dead-letter queue or the on-failure destination.\n',
  'why': 'These are events Lambda accepted (the caller got 202) and then discarded:\n'
         'an uploaded file never processed, an order never confirmed. When the\n'
         'dead-letter queue or destination itself fails (a deleted queue, a role\n'
         'that may not send to it, a KMS key it cannot use) the safety net is gone\n'
         'while the configuration still looks right.\n',
  'fix': 'Add an on-failure destination (or a dead-letter queue) if there is none;\n'
         'where one exists, give the execution role permission to send to it (and to\n'
         'its KMS key) and check that it still exists.\n',
  'example': 'AsyncEventsDropped (Sum):          312\n'
             "DeadLetterErrors (Sum):             40   ← the DLQ's KMS key denies the role\n",
  'use_instead': 'EventInvokeConfig:\n'
                 '  DestinationConfig:\n'
                 '    OnFailure:\n'
                 '      Destination: !GetAtt FailedEvents.Arn   # the role may sqs:SendMessage to it\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html'],
  'cwe': [],
  'params': {'min_events': 1},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.async_events_lost',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA604-async-events-lost.yaml'},
 {'id': 'LA605',
  'title': "stream iterator age near the stream's retention (measured)",
  'severity': 'high',
  'category': 'reliability',
  'what': 'For functions reading a Kinesis or DynamoDB stream, reads the daily maximum\n'
          'of `IteratorAge` and flags a function whose oldest unread record reached\n'
          "`retention_ratio` (50 %) of the stream's retention (`retention_hours`, 24:\n"
          'the default of Kinesis and the fixed retention of DynamoDB Streams); the\n'
          "message says whether the age is still growing. CloudWatch's recommended\n"
          'alarms for Lambda include `IteratorAge`.\n',
  'why': 'Records older than the retention are deleted from the stream whether the\n'
         'function read them or not. An iterator age climbing towards it means the\n'
         'function falls behind (too few shards or too little parallelism) or is stuck\n'
         'retrying one failing batch; once it passes the retention, data is lost.\n',
  'fix': 'Find out why the function falls behind: a failing batch (bound the retries,\n'
         'bisect, send failures to a destination) or too little throughput (raise\n'
         '`ParallelizationFactor`, add shards, raise the memory).\n',
  'example': 'IteratorAge (Maximum, daily):  0.2 h  3.5 h  14.1 h   ← 59 % of 24 h, growing\n',
  'use_instead': 'Events:\n'
                 '  Stream:\n'
                 '    Type: Kinesis\n'
                 '    Properties:\n'
                 '      ParallelizationFactor: 4\n'
                 '      BisectBatchOnFunctionError: true\n'
                 '      MaximumRetryAttempts: 3\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
                 'https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html',
                 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html',
                 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html'],
  'cwe': [],
  'params': {'retention_hours': 24, 'retention_ratio': 0.5},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.iterator_age',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA605-iterator-age.yaml'},
 {'id': 'LA606',
  'title': 'function not invoked for 90 days (measured)',
  'severity': 'low',
  'category': 'cost',
  'what': 'Flags a function with no `Invocations` in a window of at least `idle_days`\n'
          '(90) days. The audit reads a 90-day window only for functions that\n'
          'CloudWatch does not list as invoked in the last two weeks.\n',
  'why': 'A function nobody calls still has an execution role with permissions, a\n'
         'resource policy that may let others invoke it, a runtime that goes out of\n'
         'support, log groups and provisioned resources that cost money. Unused code\n'
         'is attack surface and upkeep with no return.\n',
  'fix': 'Delete the function (and its role and log group) if nothing needs it, or\n'
         'suppress the finding with the `lambda-advisor:ignore` tag and a reason.\n',
  'example': 'Invocations (Sum, daily, 90 days):  0 0 0 … 0\n',
  'use_instead': '# delete the function, or tag why it must stay:\n'
                 'Tags:\n'
                 '  lambda-advisor:ignore: LA606\n'
                 '  lambda-advisor:ignore-reason: disaster-recovery runbook, invoked by hand\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
                 'https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_permissions_least_privileges.html'],
  'cwe': [],
  'params': {'idle_days': 90},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.not_invoked',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA606-not-invoked.yaml'},
 {'id': 'LA607',
  'title': 'memory over- or under-provisioned (Compute Optimizer)',
  'severity': 'low',
  'category': 'cost',
  'what': "Reports Compute Optimizer's memory finding for the function\n"
          '(`GetLambdaFunctionRecommendations`) when it is `NotOptimized` because\n'
          'memory is over- or under-provisioned, with the recommended size and the\n'
          'estimated monthly saving. Read only when the account is enrolled in Compute\n'
          'Optimizer; otherwise the audit says so and this rule stays silent: it never\n'
          'guesses.\n',
  'why': 'Lambda bills memory × duration and gives CPU in proportion to memory. Too\n'
         'much memory pays for nothing; too little makes the function slow (and can\n'
         'cost more, since it runs longer). Compute Optimizer bases its finding on\n'
         "the function's measured memory use and duration.\n",
  'fix': 'Set the memory Compute Optimizer recommends, or measure with AWS Lambda\n'
         'Power Tuning and set the size it finds.\n',
  'example': 'MemorySize: 3008   # Compute Optimizer: NotOptimized, MemoryOverprovisioned, recommends 1024\n',
  'use_instead': 'MemorySize: 1024\n',
  'references': ['https://docs.aws.amazon.com/compute-optimizer/latest/ug/view-lambda-recommendations.html',
                 'https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_GetLambdaFunctionRecommendations.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html'],
  'cwe': [],
  'params': {},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.memory_misprovisioned',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA607-memory-misprovisioned.yaml'},
 {'id': 'LA608',
  'title': 'account concurrency nearly used up in a region (measured)',
  'severity': 'medium',
  'category': 'operations',
  'what': "Reads the region's `ClaimedAccountConcurrency` (its daily maximum) and the\n"
          "account's concurrency quota (`GetAccountSettings`), and flags a region\n"
          'where the claimed concurrency reached `claimed_ratio` (90 %) of the quota.\n'
          'One finding per account and region, placed on its first function.\n',
  'why': '`ClaimedAccountConcurrency` is what is not available for on-demand\n'
         'invocations: unreserved concurrency in use plus every reservation and all\n'
         'provisioned concurrency. Near the quota, the next burst throttles every\n'
         'function without reserved concurrency, in every application of the account\n'
         'and region at once.\n',
  'fix': 'Request a higher concurrency quota for the region, or lower the reserved\n'
         'and provisioned concurrency that claims it; alarm on\n'
         '`ClaimedAccountConcurrency` against the quota.\n',
  'example': 'ConcurrentExecutions quota: 1,000\n'
             'ClaimedAccountConcurrency (Maximum, daily):  610  702  948   ← 95 %\n',
  'use_instead': '# a quota increase (Service Quotas: Lambda, Concurrent executions), or fewer\n'
                 '# reservations: reserved and provisioned concurrency sized to measured peaks\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html'],
  'cwe': [],
  'params': {'claimed_ratio': 0.9},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.account_headroom',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA608-account-concurrency-headroom.yaml'},
 {'id': 'LA609',
  'title': 'provisioned concurrency spilling over or idle (measured)',
  'severity': 'low',
  'category': 'cost',
  'what': 'For each alias or version whose provisioned concurrency CloudWatch lists,\n'
          'reads `ProvisionedConcurrencySpilloverInvocations` and the daily maximum of\n'
          '`ProvisionedConcurrencyUtilization`, and flags spillover (`min_spillover`:\n'
          'invocations that ran on demand, with cold starts, because the provisioned\n'
          'environments were all busy) or provisioned concurrency whose utilisation\n'
          'never reached `idle_utilization` (20 %) in the window.\n',
  'why': 'Provisioned concurrency is billed for every hour it is configured, used or\n'
         'not, to remove cold starts. Spillover means it is too small at the peak,\n'
         'so the cold starts it was bought to prevent still happen; a utilisation\n'
         'that stays low means paying for environments nobody uses.\n',
  'fix': 'Scale provisioned concurrency with Application Auto Scaling (target\n'
         'tracking on `ProvisionedConcurrencyUtilization`), or size it to the\n'
         'measured peak; raise it where it spills over.\n',
  'example': 'ProvisionedConcurrentExecutions: 100\n'
             'ProvisionedConcurrencyUtilization (Maximum, daily):  0.04  0.06  0.05\n',
  'use_instead': '# Application Auto Scaling on the alias, target utilisation 0.7\n'
                 'ScalableTarget: {MinCapacity: 5, MaxCapacity: 100}\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html'],
  'cwe': [],
  'params': {'min_spillover': 1, 'idle_utilization': 0.2},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.provisioned_concurrency',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA609-provisioned-concurrency-use.yaml'},
 {'id': 'LA610',
  'title': 'recursive invocations stopped by Lambda (measured)',
  'severity': 'high',
  'category': 'reliability',
  'what': 'For functions that SQS, SNS or S3 trigger (where a loop can close), reads\n'
          '`RecursiveInvocationsDropped` and flags any invocation Lambda dropped\n'
          'because it detected a recursive loop (`min_dropped`).\n',
  'why': 'Lambda stops a loop after about 16 round trips and drops the event that\n'
         'would have continued it (to the dead-letter queue or on-failure\n'
         'destination, if there is one). The loop is still in the design: every new\n'
         'event starts it again, each time billed 16 times, and the work the event\n'
         'stood for is not done.\n',
  'fix': "Break the loop: write the function's output to a different queue, topic or\n"
         'bucket (or a prefix the trigger does not match).\n',
  'example': '# the function writes its output to the bucket that triggers it\n'
             'RecursiveInvocationsDropped (Sum):  1,204\n',
  'use_instead': "# output to another bucket (or prefix not matched by the trigger's filter)\n"
                 'Environment:\n'
                 '  Variables:\n'
                 '    OUTPUT_BUCKET: !Ref ResultsBucket\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html'],
  'cwe': [],
  'params': {'min_dropped': 1},
  'sources': ['account', 'snapshot'],
  'opt_in_sources': None,
  'match': None,
  'check': 'evidence.recursion_stopped',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA610-recursion-stopped.yaml'},
 {'id': 'LA701',
  'title': 'Web Function revision or endpoint wired so the stack fails',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags an `AWS::Lambda::WebFunctionRevision` or\n'
          '`AWS::Lambda::WebFunctionEndpoint` whose `FunctionName` is the Web\n'
          "Function's ARN (`!Ref` and `!GetAtt FunctionArn` of an\n"
          '`AWS::Lambda::WebFunction` return its ARN, not its name), and one that names\n'
          'its function by a literal or a parameter without depending on the function\n'
          'resource (no `DependsOn`, no reference to it or to a resource that depends\n'
          "on it). SAM's `AWS::Serverless::WebFunction` wires both correctly.\n",
  'why': 'With the ARN, CloudFormation creates the revision and the endpoint, then\n'
         'cannot read their attributes (the stored ARN does not match the name parsed\n'
         'from it): the stack fails, and its rollback fails the same way, leaving\n'
         '`ROLLBACK_FAILED` and a two-step manual cleanup. With a bare name and no\n'
         'dependency, CloudFormation may create the revision or endpoint before the\n'
         'function, which fails with `ResourceNotFoundException`.\n',
  'fix': 'Give `FunctionName` the bare name (the same literal or parameter as the\n'
         '`AWS::Lambda::WebFunction`) and add `DependsOn: <function logical ID>`.\n',
  'example': 'ShopRevision:\n'
             '  Type: AWS::Lambda::WebFunctionRevision\n'
             '  Properties:\n'
             '    FunctionName: !Ref Shop        # the ARN\n',
  'use_instead': 'ShopRevision:\n'
                 '  Type: AWS::Lambda::WebFunctionRevision\n'
                 '  DependsOn: Shop\n'
                 '  Properties:\n'
                 "    FunctionName: shop             # the same name as Shop's FunctionName\n",
  'references': ['https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-webfunctionrevision.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-webfunctionendpoint.html',
                 'https://github.com/aws/agent-toolkit-for-aws/blob/main/skills/specialized-skills/serverless-skills/aws-lambda-web-functions/references/infrastructure-as-code.md',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-webfunction.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.wiring_fails',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA701-web-function-wiring.yaml'},
 {'id': 'LA702',
  'title': 'Web Function code bucket Lambda cannot deploy from',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags the S3 bucket a Web Function revision takes its code from when the\n'
          'template declares it without versioning, or with default encryption under\n'
          'the AWS managed key `aws/s3` (`SSEAlgorithm: aws:kms` with no\n'
          '`KMSMasterKeyID`, or `alias/aws/s3`). A bucket made outside the template\n'
          'keeps the rule silent.\n',
  'why': "Lambda requires versioning on the bucket that holds a Web Function's\n"
         'package, and reads the object as `lambda.amazonaws.com`, which must be able\n'
         "to call `kms:Decrypt` on the object's key. The key policy of `aws/s3` cannot\n"
         'be changed, so Lambda can never decrypt such an object: the revision fails\n'
         'to create, and the stack with it.\n',
  'fix': 'Enable versioning on the code bucket, and encrypt with SSE-S3 or a customer\n'
         'managed key whose key policy allows `lambda.amazonaws.com` `kms:Decrypt`.\n',
  'example': 'CodeBucket:\n'
             '  Type: AWS::S3::Bucket\n'
             '  Properties:\n'
             '    BucketEncryption:\n'
             '      ServerSideEncryptionConfiguration:\n'
             '        - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms}\n',
  'use_instead': 'CodeBucket:\n'
                 '  Type: AWS::S3::Bucket\n'
                 '  Properties:\n'
                 '    VersioningConfiguration: {Status: Enabled}\n'
                 '    BucketEncryption:\n'
                 '      ServerSideEncryptionConfiguration:\n'
                 '        - ServerSideEncryptionByDefault:\n'
                 '            SSEAlgorithm: aws:kms\n'
                 '            KMSMasterKeyID: !GetAtt CodeKey.Arn   # its key policy lets '
                 'lambda.amazonaws.com decrypt\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/web-functions-code-s3.html',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-webfunction.html',
                 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.code_bucket_unusable',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA702-code-bucket-unusable.yaml'},
 {'id': 'LA703',
  'title': 'runtime not offered for this kind of function',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a Web Function revision whose `RuntimeConfig.Runtime` is not one of\n'
          'the runtimes Web Functions offer (`web_runtimes`: today only `nodejs24.x`).\n'
          'Event Function runtimes are judged by LA501; LA501 stays silent on a\n'
          'revision this rule reports.\n',
  'why': 'Web Functions run one managed Node.js runtime; a revision naming any other\n'
         '(`nodejs22.x`, `python3.13`) is refused, so the stack fails to deploy.\n',
  'fix': 'Use a runtime Web Functions offer (`nodejs24.x`), test the application on\n'
         'it, and deploy a new revision.\n',
  'example': 'BuildConfig:\n  RuntimeConfig:\n    Runtime: nodejs22.x\n',
  'use_instead': 'BuildConfig:\n  RuntimeConfig:\n    Runtime: nodejs24.x\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/web-functions-runtimes.html',
                 'https://docs.aws.amazon.com/lambda/latest/lambda-web/API_RuntimeConfig.html'],
  'cwe': [],
  'params': {'web_runtimes': ['nodejs24.x']},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.runtime_not_offered',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA703-runtime-not-offered.yaml'},
 {'id': 'LA704',
  'title': 'network connector wiring that fails to deploy',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a Web Function revision whose `EgressNetworkConnectorArn` is the\n'
          "connector's unversioned ARN (`!GetAtt Connector.Arn` or `!Ref`, where\n"
          '`LatestVersionArn` is needed), a connector created for another compute type\n'
          "(`AssociatedComputeResourceTypes` without `WebFunction`; SAM's\n"
          '`AWS::Serverless::NetworkConnector` defaults `ComputeTypes` to `MicroVm`),\n'
          'and a `MultiRegion` or `PerRegion` endpoint that serves a revision with a\n'
          'connector.\n',
  'why': 'Each of these is refused by Lambda, so the stack fails on the revision or\n'
         'the endpoint: a revision needs the version-qualified connector ARN, a\n'
         'connector serves exactly one compute type fixed at creation, and a connector\n'
         'is Regional, so only a `HomeRegion` endpoint may serve a revision that uses\n'
         'one.\n',
  'fix': 'Pass `!GetAtt <connector>.LatestVersionArn`, create the connector with\n'
         '`AssociatedComputeResourceTypes: [WebFunction]` (SAM: `ComputeTypes:\n'
         '[WebFunction]`), and serve revisions with a connector from a `HomeRegion`\n'
         'endpoint.\n',
  'example': 'Egress:\n'
             '  Type: AWS::Serverless::NetworkConnector\n'
             '  Properties:\n'
             '    VpcConfig: {SubnetIds: [!Ref SubnetA, !Ref SubnetB], SecurityGroupIds: [!Ref EgressSg]}\n'
             'Shop:\n'
             '  Type: AWS::Serverless::WebFunction\n'
             '  Properties:\n'
             '    EgressNetworkConnectorArn: !GetAtt Egress.Arn\n'
             '    EndpointType: MultiRegion\n',
  'use_instead': 'Egress:\n'
                 '  Type: AWS::Serverless::NetworkConnector\n'
                 '  Properties:\n'
                 '    ComputeTypes: [WebFunction]\n'
                 '    VpcConfig: {SubnetIds: [!Ref SubnetA, !Ref SubnetB], SecurityGroupIds: [!Ref '
                 'EgressSg]}\n'
                 'Shop:\n'
                 '  Type: AWS::Serverless::WebFunction\n'
                 '  Properties:\n'
                 '    EgressNetworkConnectorArn: !GetAtt Egress.LatestVersionArn\n'
                 '    EndpointType: HomeRegion\n',
  'references': ['https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-networkconnector.html',
                 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-webfunctionrevision.html',
                 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-networkconnector.html',
                 'https://github.com/aws/agent-toolkit-for-aws/blob/main/skills/specialized-skills/serverless-skills/aws-lambda-web-functions/references/networking.md'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'web.connector_wiring_fails',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA704-network-connector-wiring.yaml'},
 {'id': 'LA705',
  'title': 'tenant isolation combined with SnapStart, provisioned concurrency, a function URL or a non-API '
           'event source',
  'severity': 'high',
  'category': 'reliability',
  'what': 'Flags a function in tenant isolation mode (`TenancyConfig:\n'
          '{TenantIsolationMode: PER_TENANT}`) that also turns on SnapStart, configures\n'
          'provisioned concurrency, has a function URL, or is invoked by an event source\n'
          'other than API Gateway (an event source mapping, S3, SNS, EventBridge …). Each\n'
          'conflict is reported at its own line. Web Functions have no tenant isolation\n'
          'setting; the rule stays silent on them.\n',
  'why': 'With tenant isolation every invocation must carry a tenant ID, and Lambda\n'
         "keeps each tenant's execution environments apart. Lambda does not offer\n"
         'SnapStart, provisioned concurrency or function URLs with it, so the\n'
         'deployment is refused. Of the event sources only API Gateway can pass the\n'
         'tenant ID: the others cannot, so the mapping is refused or every invocation\n'
         'it makes fails. Tenant isolation cannot be changed after the function is\n'
         'created, so the combination has to be settled before the first deploy.\n',
  'fix': 'Invoke the function through API Gateway or from a router function that calls\n'
         '`Invoke` with the tenant ID; remove SnapStart, provisioned concurrency and the\n'
         'function URL, or keep them on a function without tenant isolation.\n',
  'example': 'Type: AWS::Serverless::Function\n'
             'Properties:\n'
             '  TenancyConfig:\n'
             '    TenantIsolationMode: PER_TENANT\n'
             '  FunctionUrlConfig:\n'
             '    AuthType: AWS_IAM\n'
             '  Events:\n'
             '    Jobs:\n'
             '      Type: SQS\n'
             '      Properties:\n'
             '        Queue: !GetAtt Jobs.Arn\n',
  'use_instead': 'Type: AWS::Serverless::Function\n'
                 'Properties:\n'
                 '  TenancyConfig:\n'
                 '    TenantIsolationMode: PER_TENANT\n'
                 '  Events:\n'
                 '    Api:\n'
                 '      Type: Api          # API Gateway passes the tenant ID (X-Amz-Tenant-Id)\n'
                 '      Properties:\n'
                 '        Path: /jobs\n'
                 '        Method: post\n'
                 "# An SQS queue feeds a router function that invokes this one with each tenant's ID.\n",
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html',
                 'https://docs.aws.amazon.com/lambda/latest/api/API_TenancyConfig.html',
                 'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.TenancyConfig.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'tenancy.tenancy_conflicts',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA705-tenant-isolation-conflict.yaml'},
 {'id': 'LA706',
  'title': 'Managed Instances timeout over 900 s on a function invoked synchronously or by Amazon MQ or '
           'DocumentDB',
  'severity': 'medium',
  'category': 'reliability',
  'what': 'Flags a function on Lambda Managed Instances (`CapacityProviderConfig`) whose\n'
          'timeout is over 900 seconds and that is invoked synchronously\n'
          '(API Gateway, an Application Load Balancer, a function URL, Cognito, Lex …)\n'
          'or through an Amazon MQ or Amazon DocumentDB event source mapping. One\n'
          'finding per such invoker. Direct `Invoke` calls from code or another function\n'
          'are not judged: whether they wait cannot be told from the configuration. Web\n'
          'Functions have their own timeout limit; the rule stays silent on them.\n',
  'why': 'On Managed Instances the timeout may be set up to 5,400 seconds, but only\n'
         'asynchronous invocations and event source mappings other than Amazon MQ and\n'
         "Amazon DocumentDB may run that long. Every other invocation keeps Lambda's\n"
         '900-second maximum. The configuration looks valid and deploys, and the long\n'
         'job fails at run time on exactly the path a user waits on.\n',
  'fix': 'Keep synchronous paths within 900 seconds: let the API or URL start the work\n'
         'asynchronously (enqueue it, or invoke with `InvocationType: Event`) and have a\n'
         'poller or asynchronous invocation run the long part. For Amazon MQ and\n'
         'DocumentDB sources, forward the messages to SQS or stay within 900 seconds.\n',
  'example': 'Type: AWS::Serverless::Function\n'
             'Properties:\n'
             '  CapacityProviderConfig:\n'
             '    Arn: !GetAtt Capacity.Arn\n'
             '  Timeout: 3600\n'
             '  Events:\n'
             '    Report:\n'
             '      Type: Api\n'
             '      Properties:\n'
             '        Path: /report\n'
             '        Method: post\n',
  'use_instead': 'Type: AWS::Serverless::Function\n'
                 'Properties:\n'
                 '  CapacityProviderConfig:\n'
                 '    Arn: !GetAtt Capacity.Arn\n'
                 '  Timeout: 3600\n'
                 '  Events:\n'
                 '    Reports:\n'
                 '      Type: SQS          # the API enqueues the job; the long run is an event source '
                 'mapping\n'
                 '      Properties:\n'
                 '        Queue: !GetAtt ReportJobs.Arn\n',
  'references': ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html',
                 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances.html'],
  'cwe': [],
  'params': {},
  'sources': None,
  'opt_in_sources': None,
  'match': None,
  'check': 'managed_timeouts.long_timeout_invoked_synchronously',
  'message': None,
  'locate': None,
  'autofix': None,
  'default': True,
  'file': 'LA706-managed-instances-sync-timeout.yaml'}]
