/**
 * The sandbox: a deterministic simulated cloud implementing every SPI capability.
 *
 * <pre>{@code
 * // embedded default: two regions × two zones × three hosts, six flavors in USD
 * CloudProvider sandbox = SandboxCloud.withDefaultTopology(Path.of(home, ".skydeck", "sandbox"), Clock.systemUTC());
 *
 * // tests: a hand-moved clock, no latency or round latencies, faults armed per call
 * var cloud = new SandboxCloud("sandbox", SandboxTopology.defaultTopology().withLatency(Latency.NONE), tempDir, clock);
 * cloud.faults().inject(new Fault.FailCall(SandboxCall.CREATE_SERVER, new QuotaExceeded("sandbox", "Quota exceeded")));
 * }</pre>
 *
 * Time only moves with the injected clock: an operation accepted at t with latency d is
 * reported finished by any call made at or after t + d, finished <em>at</em> t + d.
 */
package io.skydeck.connectors.sandbox;
