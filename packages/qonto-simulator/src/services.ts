import type { EinvoicingNetwork } from './network.js';
import type { RouteContext, RouteHandler, Router } from './router.js';
import type { SimulatorStore } from './store.js';

/** What route handlers can use. */
export interface SimulatorServices {
  store: SimulatorStore;
  network: EinvoicingNetwork;
}

/** Route context of the simulator. */
export type SimContext = RouteContext<SimulatorServices>;
/** Route handler of the simulator. */
export type SimHandler = RouteHandler<SimulatorServices>;
/** Router of the simulator. */
export type SimRouter = Router<SimulatorServices>;
