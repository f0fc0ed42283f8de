#!/usr/bin/env bash
# Flow 2 end to end against a running gateway (npm start): import an invoice made in another
# tool (UBL XML), watch its lifecycle over SSE, send it by e-invoice, see the events arrive.
# Usage: examples/flow2.sh [gateway URL] [Authorization value]
set -euo pipefail
GATEWAY=${1:-http://localhost:4000/graphql}
AUTH=${2:-Bearer sim_demo_token_atelier}
FILE=$(dirname "$0")/invoice-ubl.xml

echo "1. Import $FILE"
IMPORT=$(curl -sS "$GATEWAY" -H "authorization: $AUTH" -H 'x-graphql-yoga-csrf: 1' \
  -F operations='{"query":"mutation ($files: [File!]!) { importClientInvoices(files: $files) { __typename ... on Error { message } ... on ImportClientInvoicesSuccess { invoices { id number status client { name einvoicingReachable } einvoicingEligibility { eligible reasons } } } } }","variables":{"files":[null]}}' \
  -F map='{"0":["variables.files.0"]}' \
  -F "0=@$FILE;type=application/xml")
echo "$IMPORT"
ID=$(node -e 'const r = JSON.parse(process.argv[1]).data.importClientInvoices; if (!r.invoices) { console.error(r.message); process.exit(1) } console.log(r.invoices[0].id)' "$IMPORT")

echo "2. Watch invoice $ID over SSE (in the background)"
curl -sS -N "$GATEWAY" -H "authorization: $AUTH" -H 'accept: text/event-stream' -H 'content-type: application/json' \
  -d "{\"query\":\"subscription (\$id: ID!) { clientInvoiceLifecycle(id: \$id) { event { statusCode label occurredAt } invoice { einvoicingStatus } } }\",\"variables\":{\"id\":\"$ID\"}}" \
  | grep --line-buffered '^data:' &
WATCH=$!
trap 'kill $WATCH 2>/dev/null || true' EXIT
sleep 1 # let the subscription start before sending (a demo script, not a test)

echo "3. Send it by e-invoice"
curl -sS "$GATEWAY" -H "authorization: $AUTH" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation (\$id: ID!) { sendInvoiceByEinvoice(id: \$id) { __typename ... on Error { message } ... on SendInvoiceByEinvoiceSuccess { alreadySubmitted invoice { einvoicingStatus } } } }\",\"variables\":{\"id\":\"$ID\"}}"
echo
echo "4. Lifecycle events as the simulated network delivers them (Ctrl-C to stop):"
wait $WATCH
