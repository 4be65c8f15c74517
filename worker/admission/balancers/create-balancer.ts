import { AdaptiveBalancer, DEFAULT_ADAPTIVE, type AdaptiveOptions } from "./adaptive";
import type { Balancer, LoadBalancerAlgorithm } from "./balancer";
import { LeastConnectionsBalancer } from "./least-connections";
import { RoundRobinBalancer } from "./round-robin";
import { WeightedBalancer } from "./weighted";

/** The balancer LOAD_BALANCER_ALGORITHM names; one per tenant per isolate, since each keeps state. */
export function createBalancer(algorithm: LoadBalancerAlgorithm, adaptive: AdaptiveOptions = DEFAULT_ADAPTIVE): Balancer {
  switch (algorithm) {
    case "round-robin":
      return new RoundRobinBalancer();
    case "least-connections":
      return new LeastConnectionsBalancer();
    case "weighted":
      return new WeightedBalancer();
    case "adaptive":
      return new AdaptiveBalancer(adaptive);
  }
}
