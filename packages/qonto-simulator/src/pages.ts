import { formatCents } from './amounts.js';
import { deriveEinvoicingStatus } from './lifecycle.js';
import type { InvoiceRecord } from './types.js';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The small HTML page served at `invoice_url` (docs/qonto-facts.md#simulator-invoices). */
export function invoicePage(invoice: InvoiceRecord): string {
  const client = invoice.client;
  const clientName = client ? (client.name ?? [client.first_name, client.last_name].filter(Boolean).join(' ')) : '—';
  const total = invoice.total_amount_cents === null ? '—' : `${formatCents(invoice.total_amount_cents)} ${invoice.currency ?? ''}`;
  const rows = invoice.items
    .map(
      (item) =>
        `<tr><td>${escapeHtml(item.title)}</td><td>${escapeHtml(item.quantity)}</td><td>${formatCents(item.total_amount_cents)}</td></tr>`,
    )
    .join('');
  const events = invoice.events.map((event) => `<li>${escapeHtml(event.status_code)} — ${escapeHtml(event.timestamp)}</li>`).join('');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Facture ${escapeHtml(invoice.number ?? invoice.id)}</title></head>
<body>
<h1>Facture ${escapeHtml(invoice.number ?? '(brouillon)')}</h1>
<p>Client : ${escapeHtml(clientName ?? '—')}</p>
<p>Statut : ${escapeHtml(invoice.status)} · E-invoicing : ${escapeHtml(deriveEinvoicingStatus(invoice.events) ?? '—')}</p>
<p>Émise le ${escapeHtml(invoice.issue_date ?? '—')}, échéance ${escapeHtml(invoice.due_date ?? '—')}</p>
<table><thead><tr><th>Ligne</th><th>Quantité</th><th>Total TTC</th></tr></thead><tbody>${rows}</tbody></table>
<p><strong>Total : ${escapeHtml(total)}</strong></p>
<ul>${events}</ul>
<p><small>Qonto simulator</small></p>
</body></html>
`;
}
