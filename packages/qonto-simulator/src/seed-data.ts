import type { ClientKind, EinvoicingOutcome, InvoiceStatus } from './types.js';

/** A seeded client, before ids and timestamps are derived. */
export interface ClientSpec {
  key: string;
  kind: ClientKind;
  name?: string;
  firstName?: string;
  lastName?: string;
  email: string;
  siren?: string;
  einvoicingAddress?: string;
  reachable: boolean;
  outcome: EinvoicingOutcome;
  street: string;
  city: string;
  zip: string;
  createdAt: string;
  locale?: string;
}

/** One catalogue line: title, unit price, VAT rate, optional unit and discount. */
export interface CatalogueLine {
  title: string;
  unitPrice: string;
  vatRate: string;
  unit?: string;
  description?: string;
  discount?: { type: 'percentage' | 'absolute'; value: string };
}

/** A seeded invoice, before ids, numbers and timestamps are derived. */
export interface InvoiceSpec {
  key: string;
  client: string;
  status: InvoiceStatus;
  issue: string;
  lines: Array<[line: number, quantity: string]>;
  events?: string[];
  paidAt?: string;
  purchaseOrder?: string;
}

/** What the seed knows about one organisation. */
export interface OrganizationSpec {
  key: string;
  slug: string;
  legalName: string;
  legalNumber: string;
  legalSector: string;
  legalForm: string;
  legalAddress: string;
  registrationDate: string;
  shareCapital: number;
  createdAt: string;
  contactEmail: string;
  bearerToken: string;
  apiKey: string;
  iban: string;
  bankAccountName: string;
  balanceCents: number;
  clients: ClientSpec[];
  invoices: InvoiceSpec[];
}

/** The seeded catalogue of Atelier Lumière (a design studio). */
export const CATALOGUE: CatalogueLine[] = [
  { title: 'Création de logo', unitPrice: '1800.00', vatRate: '0.2', unit: 'forfait' },
  { title: 'Charte graphique', unitPrice: '950.00', vatRate: '0.2', unit: 'forfait' },
  { title: 'Journée de conseil', unitPrice: '650.00', vatRate: '0.2', unit: 'jour' },
  { title: 'Retouche photo', unitPrice: '60.00', vatRate: '0.2', unit: 'heure' },
  { title: 'Impression catalogue', unitPrice: '2.35', vatRate: '0.2', unit: 'exemplaire', description: 'Catalogue A4, 24 pages' },
  { title: 'Maquette site web', unitPrice: '2400.00', vatRate: '0.2', unit: 'forfait' },
  {
    title: 'Formation équipe (demi-journée)',
    unitPrice: '480.00',
    vatRate: '0.2',
    unit: 'session',
    discount: { type: 'percentage', value: '0.1' },
  },
  { title: 'Frais de déplacement', unitPrice: '85.40', vatRate: '0.2' },
  { title: "Livres d'art", unitPrice: '18.90', vatRate: '0.055', unit: 'unité' },
  { title: 'Photographie produit', unitPrice: '35.00', vatRate: '0.2', unit: 'photo', discount: { type: 'absolute', value: '20.00' } },
];

const APPROVED = ['200', '201', '202', '203', '204', '205'];

const ATELIER_CLIENTS: ClientSpec[] = [
  {
    key: 'delacroix',
    kind: 'company',
    name: 'Maison Delacroix SARL',
    email: 'compta@maison-delacroix.example',
    siren: '801234560',
    einvoicingAddress: '801234560',
    reachable: true,
    outcome: 'approved',
    street: '18 rue de Turenne',
    city: 'Paris',
    zip: '75004',
    createdAt: '2025-09-02T08:15:00.000Z',
  },
  {
    key: 'boulangerie',
    kind: 'company',
    name: 'Boulangerie Martin & Fils',
    email: 'factures@boulangerie-martin.example',
    siren: '802345671',
    einvoicingAddress: '802345671_80234567100013',
    reachable: true,
    outcome: 'approved',
    street: '4 place Bellecour',
    city: 'Lyon',
    zip: '69002',
    createdAt: '2025-09-10T10:00:00.000Z',
  },
  {
    key: 'nova',
    kind: 'company',
    name: 'Studio Nova Design SAS',
    email: 'admin@studio-nova.example',
    siren: '803456782',
    einvoicingAddress: '803456782',
    reachable: true,
    outcome: 'approved',
    street: '7 quai de la Fosse',
    city: 'Nantes',
    zip: '44000',
    createdAt: '2025-09-18T14:30:00.000Z',
  },
  {
    key: 'moreau',
    kind: 'company',
    name: 'Cabinet Moreau & Associés',
    email: 'comptabilite@cabinet-moreau.example',
    siren: '804567893',
    einvoicingAddress: '804567893',
    reachable: true,
    outcome: 'rejected',
    street: '22 cours de l’Intendance',
    city: 'Bordeaux',
    zip: '33000',
    createdAt: '2025-10-01T09:45:00.000Z',
  },
  {
    key: 'girard',
    kind: 'company',
    name: 'Transports Girard SA',
    email: 'fournisseurs@transports-girard.example',
    siren: '805678904',
    einvoicingAddress: '805678904_80567890400021_00001',
    reachable: true,
    outcome: 'refused',
    street: '150 rue Nationale',
    city: 'Lille',
    zip: '59000',
    createdAt: '2025-10-08T11:20:00.000Z',
  },
  {
    key: 'motsBleus',
    kind: 'company',
    name: 'Librairie Les Mots Bleus',
    email: 'contact@motsbleus.example',
    siren: '806789015',
    einvoicingAddress: '806789015_00002',
    reachable: true,
    outcome: 'approved',
    street: '3 rue Le Bastard',
    city: 'Rennes',
    zip: '35000',
    createdAt: '2025-10-20T15:05:00.000Z',
  },
  {
    key: 'hotelParc',
    kind: 'company',
    name: 'Hôtel du Parc',
    email: 'direction@hotel-du-parc.example',
    siren: '807890126',
    einvoicingAddress: '807890126',
    reachable: true,
    outcome: 'approved',
    street: '9 boulevard des Belges',
    city: 'Lyon',
    zip: '69006',
    createdAt: '2025-11-03T08:40:00.000Z',
  },
  {
    key: 'verdure',
    kind: 'company',
    name: 'Verdure Paysages EURL',
    email: 'bonjour@verdure-paysages.example',
    siren: '808901237',
    reachable: false,
    outcome: 'approved',
    street: '31 avenue de Grammont',
    city: 'Tours',
    zip: '37000',
    createdAt: '2025-11-12T13:10:00.000Z',
  },
  {
    key: 'dubois',
    kind: 'individual',
    firstName: 'Camille',
    lastName: 'Dubois',
    email: 'camille.dubois@mail.example',
    reachable: false,
    outcome: 'approved',
    street: '56 rue Paradis',
    city: 'Marseille',
    zip: '13006',
    createdAt: '2025-11-25T17:00:00.000Z',
  },
  {
    key: 'lefevre',
    kind: 'individual',
    firstName: 'Julien',
    lastName: 'Lefèvre',
    email: 'julien.lefevre@mail.example',
    reachable: false,
    outcome: 'approved',
    street: '12 allées Jean Jaurès',
    city: 'Toulouse',
    zip: '31000',
    createdAt: '2025-12-04T10:25:00.000Z',
    locale: 'en',
  },
];

const ATELIER_NOTABLE_INVOICES: InvoiceSpec[] = [
  {
    key: 'readyToSend',
    client: 'delacroix',
    status: 'unpaid',
    issue: '2026-11-16',
    lines: [
      [0, '1'],
      [1, '1'],
    ],
    purchaseOrder: 'PO-DLX-2026-118',
  },
  { key: 'readyToSendNova', client: 'nova', status: 'unpaid', issue: '2026-11-17', lines: [[5, '1']] },
  {
    key: 'readyToSendMotsBleus',
    client: 'motsBleus',
    status: 'unpaid',
    issue: '2026-11-18',
    lines: [
      [8, '12'],
      [9, '10'],
    ],
  },
  {
    key: 'readyToSendHotel',
    client: 'hotelParc',
    status: 'unpaid',
    issue: '2026-11-19',
    lines: [
      [2, '2'],
      [7, '1'],
    ],
  },
  { key: 'rejectedClient', client: 'moreau', status: 'unpaid', issue: '2026-11-12', lines: [[2, '1']] },
  { key: 'refusedClient', client: 'girard', status: 'unpaid', issue: '2026-11-13', lines: [[4, '500']] },
  { key: 'notReachable', client: 'dubois', status: 'unpaid', issue: '2026-11-10', lines: [[3, '7.5']] },
  { key: 'notReachableCompany', client: 'verdure', status: 'unpaid', issue: '2026-11-11', lines: [[9, '24']] },
  {
    key: 'draft',
    client: 'delacroix',
    status: 'draft',
    issue: '2026-11-20',
    lines: [
      [6, '2'],
      [7, '1'],
    ],
  },
  { key: 'draftIndividual', client: 'lefevre', status: 'draft', issue: '2026-11-21', lines: [[3, '3']] },
  { key: 'canceled', client: 'nova', status: 'canceled', issue: '2026-10-02', lines: [[1, '1']] },
  { key: 'paid', client: 'hotelParc', status: 'paid', issue: '2026-09-15', lines: [[9, '40']], paidAt: '2026-10-05' },
  { key: 'alreadyApproved', client: 'delacroix', status: 'unpaid', issue: '2026-10-20', lines: [[2, '3']], events: APPROVED },
  {
    key: 'paidEinvoiced',
    client: 'boulangerie',
    status: 'paid',
    issue: '2026-09-22',
    lines: [
      [0, '1'],
      [4, '200'],
    ],
    events: [...APPROVED, '212'],
    paidAt: '2026-10-15',
  },
  { key: 'inProgress', client: 'motsBleus', status: 'unpaid', issue: '2026-11-05', lines: [[8, '30']], events: ['200', '201', '202'] },
  {
    key: 'alreadyRejected',
    client: 'moreau',
    status: 'unpaid',
    issue: '2026-10-08',
    lines: [[2, '2']],
    events: ['200', '201', '202', '213'],
  },
  {
    key: 'alreadyRefused',
    client: 'girard',
    status: 'unpaid',
    issue: '2026-10-14',
    lines: [
      [4, '300'],
      [7, '2'],
    ],
    events: ['200', '201', '202', '203', '210'],
  },
  { key: 'pending', client: 'nova', status: 'unpaid', issue: '2026-11-14', lines: [[3, '12']], events: ['200'] },
];

const FILLER_CLIENTS = ['delacroix', 'boulangerie', 'nova', 'motsBleus', 'hotelParc', 'verdure', 'dubois', 'lefevre', 'moreau', 'girard'];
const REACHABLE_OUTCOMES: Record<string, string[]> = {
  delacroix: APPROVED,
  boulangerie: APPROVED,
  nova: APPROVED,
  motsBleus: APPROVED,
  hotelParc: APPROVED,
  moreau: ['200', '201', '202', '213'],
  girard: ['200', '201', '202', '203', '210'],
};

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function fillerInvoices(): InvoiceSpec[] {
  const specs: InvoiceSpec[] = [];
  for (let i = 0; i < 22; i += 1) {
    const client = FILLER_CLIENTS[i % FILLER_CLIENTS.length] ?? 'delacroix';
    const issue = addDays('2025-12-01', i * 13);
    const status: InvoiceStatus = i === 21 ? 'draft' : i % 7 === 3 ? 'canceled' : i % 9 === 5 ? 'unpaid' : 'paid';
    const sequence = REACHABLE_OUTCOMES[client];
    const einvoiced = sequence !== undefined && i % 2 === 0 && (status === 'paid' || status === 'unpaid') && issue >= '2026-03-01';
    let events: string[] | undefined;
    if (einvoiced && sequence) {
      const terminal = sequence.includes('213') || sequence.includes('210');
      events = status === 'paid' && !terminal ? [...sequence, '212'] : [...sequence];
    }
    specs.push({
      key: `history${String(i + 1).padStart(2, '0')}`,
      client,
      status,
      issue,
      lines: [
        [i % CATALOGUE.length, String(1 + (i % 3))],
        [(i * 3 + 1) % CATALOGUE.length, String(1 + (i % 4))],
      ],
      events,
      paidAt: status === 'paid' ? addDays(issue, 12 + (i % 10)) : undefined,
    });
  }
  return specs;
}

/** Atelier Lumière SAS: the demo organisation with the rich seed. */
export const ATELIER_SPEC: OrganizationSpec = {
  key: 'atelier',
  slug: 'atelier-lumiere-4821',
  legalName: 'Atelier Lumière SAS',
  legalNumber: '912345675',
  legalSector: 'Activités spécialisées de design',
  legalForm: 'SAS',
  legalAddress: '12 rue des Artisans, 75011 Paris, France',
  registrationDate: '2019-03-12',
  shareCapital: 10000,
  createdAt: '2025-09-01T08:00:00.000Z',
  contactEmail: 'facturation@atelier-lumiere.example',
  bearerToken: 'sim_demo_token_atelier',
  apiKey: 'atelier-lumiere-4821:sim-secret-atelier',
  iban: 'FR7616958000013829605471218',
  bankAccountName: 'Compte principal',
  balanceCents: 4_825_075,
  clients: ATELIER_CLIENTS,
  invoices: [...ATELIER_NOTABLE_INVOICES, ...fillerInvoices()],
};

/** Bureau Isolé SARL: a second organisation, to check isolation. */
export const BUREAU_SPEC: OrganizationSpec = {
  key: 'bureau',
  slug: 'bureau-isole-7305',
  legalName: 'Bureau Isolé SARL',
  legalNumber: '923456786',
  legalSector: 'Conseil en gestion',
  legalForm: 'SARL',
  legalAddress: '5 rue du Port, 29200 Brest, France',
  registrationDate: '2021-06-01',
  shareCapital: 5000,
  createdAt: '2025-09-01T09:00:00.000Z',
  contactEmail: 'contact@bureau-isole.example',
  bearerToken: 'sim_demo_token_bureau',
  apiKey: 'bureau-isole-7305:sim-secret-bureau',
  iban: 'FR7616958000015173094620806',
  bankAccountName: 'Compte courant',
  balanceCents: 1_210_040,
  clients: [
    {
      key: 'phare',
      kind: 'company',
      name: 'Phare Conseil SAS',
      email: 'compta@phare-conseil.example',
      siren: '811111112',
      einvoicingAddress: '811111112',
      reachable: true,
      outcome: 'approved',
      street: '2 quai Malbert',
      city: 'Brest',
      zip: '29200',
      createdAt: '2025-09-05T09:00:00.000Z',
    },
    {
      key: 'armor',
      kind: 'company',
      name: 'Armor Logistique',
      email: 'factures@armor-logistique.example',
      siren: '822222223',
      reachable: false,
      outcome: 'approved',
      street: '40 rue de Siam',
      city: 'Brest',
      zip: '29200',
      createdAt: '2025-09-06T09:00:00.000Z',
    },
    {
      key: 'le-gall',
      kind: 'individual',
      firstName: 'Maël',
      lastName: 'Le Gall',
      email: 'mael.legall@mail.example',
      reachable: false,
      outcome: 'approved',
      street: '8 rue Jean Jaurès',
      city: 'Quimper',
      zip: '29000',
      createdAt: '2025-09-07T09:00:00.000Z',
    },
  ],
  invoices: [
    { key: 'readyToSend', client: 'phare', status: 'unpaid', issue: '2026-11-15', lines: [[2, '1']] },
    { key: 'draft', client: 'armor', status: 'draft', issue: '2026-11-19', lines: [[3, '4']] },
    { key: 'paid', client: 'le-gall', status: 'paid', issue: '2026-10-01', lines: [[7, '1']], paidAt: '2026-10-10' },
    { key: 'alreadyApproved', client: 'phare', status: 'unpaid', issue: '2026-10-21', lines: [[1, '1']], events: APPROVED },
  ],
};
