#!/usr/bin/env bash
# One AWS Batch array child: audits share AWS_BATCH_JOB_ARRAY_INDEX + 1 of SHARDS of the organisation's
# accounts and stores its snapshots in S3, encrypted with KMS. The job definition sets the environment
# below; the array job's size equals SHARDS. See docs/audit.md.
#
#   MEMBER_ROLE       read-only role in every account (what --org-role assumes)
#   ACCOUNTS          the account IDs, comma-separated, listed once before the array job is submitted
#   SHARDS            number of children of the array job
#   SNAPSHOT_BUCKET   S3 bucket for the snapshots, SNAPSHOT_KMS_KEY the KMS key they are encrypted with
#   RUN               a name for this audit run (the S3 prefix the merge step reads)
set -euo pipefail

: "${AWS_BATCH_JOB_ARRAY_INDEX:?run as a child of an array job}"
: "${MEMBER_ROLE:?}" "${ACCOUNTS:?}" "${SHARDS:?}" "${SNAPSHOT_BUCKET:?}" "${SNAPSHOT_KMS_KEY:?}" "${RUN:?}"

shard=$((AWS_BATCH_JOB_ARRAY_INDEX + 1))    # Batch counts from 0, --shard from 1
workdir=$(mktemp -d)
status=0
lambda-advisor audit --org-role "$MEMBER_ROLE" --accounts "$ACCOUNTS" --shard "$shard/$SHARDS" \
  --all-regions --save "$workdir/snapshots/" --format json -o "$workdir/shard-$shard.json" --quiet || status=$?
# 0 clean, 1 findings, 3 gaps: the shard ran and its snapshots exist; 2: it could not run (Batch retries it)
if [ "$status" -eq 2 ]; then exit 2; fi
mkdir -p "$workdir/snapshots"
aws s3 cp --recursive "$workdir/snapshots/" "s3://$SNAPSHOT_BUCKET/lambda-audit/$RUN/" \
  --sse aws:kms --sse-kms-key-id "$SNAPSHOT_KMS_KEY"
