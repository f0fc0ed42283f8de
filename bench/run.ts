/**
 * `npm run bench [-- scenario ...]`: runs benchmark scenarios one after another (all by default),
 * each bounded in time, printing a table and writing bench/results/<scenario>.json.
 */
const SCENARIOS = ['query-overhead', 'dashboard', 'fanout', 'webhooks', 'fairness', 'peers'] as const;
type Scenario = (typeof SCENARIOS)[number];

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.join(', ')}`);
  process.exit(1);
}
const selected = (requested.length > 0 ? requested : SCENARIOS) as Scenario[];

for (const name of selected) {
  const started = Date.now();
  console.log(`\n=== ${name}`);
  const scenario = (await import(`./scenarios/${name}.ts`)) as { run(): Promise<void> };
  await scenario.run();
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
process.exit(0);
