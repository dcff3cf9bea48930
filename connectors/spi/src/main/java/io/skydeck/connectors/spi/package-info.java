/**
 * The provider-neutral contract between Skydeck's core and every cloud it brokers.
 *
 * <p>A {@link io.skydeck.connectors.spi.CloudProvider} hands out small capability
 * interfaces ({@link io.skydeck.connectors.spi.Servers}, {@link io.skydeck.connectors.spi.Workloads},
 * {@link io.skydeck.connectors.spi.Networks},
 * {@link io.skydeck.connectors.spi.NetworkPeerings}, {@link io.skydeck.connectors.spi.VpnConnections}, {@link io.skydeck.connectors.spi.SecurityGroups},
 * {@link io.skydeck.connectors.spi.PublicIps}, {@link io.skydeck.connectors.spi.Inventory},
 * {@link io.skydeck.connectors.spi.PriceList}, {@link io.skydeck.connectors.spi.UsageExport}); a
 * connector implements only what its cloud really has, and the core gets a clear
 * {@link io.skydeck.connectors.spi.CapabilityNotSupported} for the rest.
 *
 * <h2>Asynchronous mutations: accept, then poll</h2>
 * Every create/delete/start/stop/resize/scale call returns as soon as the provider has
 * <em>accepted</em> the request, with an {@link io.skydeck.connectors.spi.OperationHandle}; the
 * core polls it with {@code poll(handle)} until {@link io.skydeck.connectors.spi.OperationStatus}
 * is {@code Succeeded} or {@code Failed}. We chose a pollable handle over a
 * {@code CompletionStage} because the handle is a plain value the service stores in its
 * database: after a restart it polls the same handle again, whereas a future dies with the JVM.
 * It also matches the clouds themselves: Nova answers 202 and the server is BUILD, EC2
 * answers with a pending instance, Kubernetes accepts a spec and converges. A handle names
 * its resource, so a connector may answer {@code poll} by looking at the resource and need
 * not keep any state of its own.
 *
 * <h2>Idempotency</h2>
 * Creates carry an {@link io.skydeck.connectors.spi.IdempotencyToken} (EC2's
 * {@code ClientToken}; a metadata entry, tag or annotation elsewhere). Repeating a create
 * with the same token returns the handle of the first one and never a second resource;
 * {@code findByToken} finds what a crashed service created before it could record it.
 * Start, stop, resize and scale name their target state and are idempotent by nature.
 *
 * <h2>Errors</h2>
 * Calls fail with the sealed {@link io.skydeck.connectors.spi.ProviderException} hierarchy,
 * which carries the provider's own message. All methods are blocking; timeouts, retries and
 * circuit breaking belong to the caller.
 */
package io.skydeck.connectors.spi;
