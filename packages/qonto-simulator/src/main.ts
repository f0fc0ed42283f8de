import { createSimulator } from './index.js';
import { parseSimulatorEnv, type SimulatorEnv } from './env.js';

async function main(): Promise<void> {
  let env: SimulatorEnv;
  try {
    env = parseSimulatorEnv(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const simulator = await createSimulator({
    port: env.PORT,
    host: env.HOST,
    stepIntervalMs: env.SIMULATOR_STEP_MS,
    webhookUrl: env.SIMULATOR_WEBHOOK_URL,
    webhookSecret: env.SIMULATOR_WEBHOOK_SECRET,
  });
  const lines = [
    `Qonto simulator listening on ${simulator.url} (API under ${simulator.url}/v2)`,
    `E-invoicing network step: ${env.SIMULATOR_STEP_MS} ms`,
    env.SIMULATOR_WEBHOOK_URL
      ? `Webhooks: ${env.SIMULATOR_WEBHOOK_URL} (v1/client-invoices, v1/clients) signed with secret ${simulator.webhookSecret}`
      : `Webhooks: no subscription pre-registered (set SIMULATOR_WEBHOOK_URL); generated secret ${simulator.webhookSecret}`,
    '',
    'Demo credentials:',
  ];
  for (const credentials of simulator.credentials) {
    lines.push(
      `  ${credentials.legalName} (organization ${credentials.organizationId}, IBAN ${credentials.iban})`,
      `    Authorization: Bearer ${credentials.bearerToken}`,
      `    Authorization: ${credentials.apiKey}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`${signal} received, stopping the simulator\n`);
    void simulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`Simulator failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
