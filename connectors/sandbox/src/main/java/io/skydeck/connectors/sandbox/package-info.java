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
 * Releases: {@code TrafficControl} pulls servers and pods ({@code namespace/name-0} …, see
 * {@code SandboxTraffic#pods}) in and out of load balancers made on first use; {@code Deployments}
 * installs an artifact as an UPDATE operation taking the create latency; {@link
 * io.skydeck.connectors.sandbox.SandboxTraffic} measures each instance's simulated traffic and
 * marks bad versions:
 * <pre>{@code
 * cloud.traffic().markDefective(ArtifactDefect.failsIgnition("app-2.0", 30)); // fails on the instances its hash picks
 * cloud.traffic().measure(List.of("srv-000001"), Duration.ofMinutes(5));     // requests, errors, p99
 * }</pre>
 *
 * Time only moves with the injected clock: an operation accepted at t with latency d is
 * reported finished by any call made at or after t + d, finished <em>at</em> t + d.
 *
 * <p>State on disk ({@link io.skydeck.connectors.sandbox.FileStateStore}, one process): a
 * snapshot {@code sandbox-state.json} and a journal {@code sandbox-state.journal} beside it. Each
 * mutation appends one JSON line, forced before the call returns, holding its sequence number
 * and what it changed (per table the ids with their new value or null, the usage segments by
 * position, {@code nextId}). When the journal holds more lines than max(1000, things in the
 * cloud) or more bytes than the snapshot, a new snapshot (recording the last line it holds)
 * replaces the old one and the journal is emptied. Loading replays the lines newer than the
 * snapshot; a torn last line is ignored. Several processes sharing one cloud
 * ({@link io.skydeck.connectors.sandbox.DatabaseStateStore}) save the whole document instead.
 */
package io.skydeck.connectors.sandbox;
