package io.skydeck.bench;

import io.skydeck.connectors.sandbox.DatabaseStateStore;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxTopology;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.WorkloadStatus;
import io.skydeck.connectors.spi.Workloads;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The soak's verdict, from sources the service does not control: the simulated cloud as its own
 * API reports it (a sandbox instance over the shared state row, settled to now) and the
 * database's rows — never the service's answers.
 */
final class SoakAudit {
    /** Counts of what went wrong; each names its offenders in {@link #findings}. */
    int orphans;
    int ghosts;
    int duplicateUsage;
    int quotaDrift;
    int overcommit;
    final List<String> findings = new ArrayList<>();

    static SoakAudit of(DatabaseStateStore.ConnectionOpener db, SandboxTopology topology) throws SQLException {
        var audit = new SoakAudit();
        try (var cloud = new SandboxCloud(SandboxCloud.DEFAULT_NAME, topology,
                new DatabaseStateStore(db, SandboxCloud.DEFAULT_NAME), Clock.systemUTC());
             Connection c = db.open()) {
            List<ProviderServer> cloudServers = cloud.require(Servers.class).list();
            List<ProviderWorkload> cloudWorkloads = cloud.require(Workloads.class).list();
            audit.compareServers(c, cloudServers);
            audit.compareWorkloads(c, cloudWorkloads);
            audit.checkHosts(topology, cloudServers);
            audit.checkUsage(c);
            audit.checkQuota(c);
        }
        return audit;
    }

    private void compareServers(Connection c, List<ProviderServer> inCloud) throws SQLException {
        Set<String> cloudIds = new HashSet<>();
        inCloud.forEach(s -> cloudIds.add(s.id()));
        Set<String> recorded = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery(
                "SELECT id, provider_server_id, status FROM server WHERE deleted_at IS NULL AND status NOT IN ('DELETED', 'FAILED')")) {
            while (rows.next()) {
                String providerId = rows.getString(2);
                if (providerId == null || !cloudIds.contains(providerId)) {
                    ghosts++;
                    findings.add("ghost server " + rows.getString(1) + " (" + rows.getString(3) + ", provider id " + providerId + ")");
                } else {
                    recorded.add(providerId);
                }
            }
        }
        for (ProviderServer s : inCloud) {
            if (!recorded.contains(s.id()) && s.status() != ServerStatus.ERROR) {
                orphans++;
                findings.add("orphan server " + s.id() + " (" + s.name() + ", " + s.status() + ") in the cloud, live in no record");
            }
        }
    }

    private void compareWorkloads(Connection c, List<ProviderWorkload> inCloud) throws SQLException {
        Set<String> cloudIds = new HashSet<>();
        inCloud.forEach(w -> cloudIds.add(w.id()));
        Set<String> recorded = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery(
                "SELECT id, provider_workload_id, status FROM workload WHERE deleted_at IS NULL AND status NOT IN ('DELETED', 'FAILED')")) {
            while (rows.next()) {
                String providerId = rows.getString(2);
                if (providerId == null || !cloudIds.contains(providerId)) {
                    ghosts++;
                    findings.add("ghost workload " + rows.getString(1) + " (" + rows.getString(3) + ", provider id " + providerId + ")");
                } else {
                    recorded.add(providerId);
                }
            }
        }
        for (ProviderWorkload w : inCloud) {
            if (!recorded.contains(w.id()) && w.status() != WorkloadStatus.FAILED) {
                orphans++;
                findings.add("orphan workload " + w.id() + " (" + w.name() + ", " + w.status() + ") in the cloud, live in no record");
            }
        }
    }

    /** No host of the cloud holds more than its capacity in any dimension. */
    private void checkHosts(SandboxTopology topology, List<ProviderServer> inCloud) {
        Map<String, Resources> used = new HashMap<>();
        for (ProviderServer s : inCloud) {
            if (s.status() == ServerStatus.ERROR || s.host().isEmpty()) {
                continue;
            }
            Resources flavor = topology.flavor(s.flavorId()).map(SandboxTopology.FlavorSpec::resources).orElse(Resources.NONE);
            used.merge(s.host().get(), flavor, Resources::plus);
        }
        for (var region : topology.regions()) {
            for (var zone : region.zones()) {
                for (var host : zone.hosts()) {
                    Resources u = used.getOrDefault(host.id(), Resources.NONE);
                    Resources cap = host.capacity();
                    if (u.vcpus() > cap.vcpus() || u.memoryMiB() > cap.memoryMiB() || u.gpus() > cap.gpus()) {
                        overcommit++;
                        findings.add("host " + host.id() + " holds " + u + " of " + cap);
                    }
                }
            }
        }
    }

    /** A resource is created once and deleted once: a second event of either would be metered twice. */
    private void checkUsage(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery("""
                SELECT resource_id, kind, count(*) FROM lifecycle_event
                WHERE kind IN ('CREATED', 'DELETED') GROUP BY resource_id, kind HAVING count(*) > 1""")) {
            while (rows.next()) {
                duplicateUsage++;
                findings.add("resource " + rows.getString(1) + " has " + rows.getInt(3) + " " + rows.getString(2) + " events");
            }
        }
    }

    /**
     * Each tenant's counters (summed over the shares of its usage, V60) equal the reservations it holds, every held reservation belongs to a
     * live resource, and the server and workload counters equal the live rows.
     */
    private void checkQuota(Connection c) throws SQLException {
        String[][] dimensions = {{"vcpu", "vcpu"}, {"memoryGib", "memory_gib"}, {"servers", "servers"}, {"workloads", "workloads"}};
        for (String[] d : dimensions) {
            try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery("""
                    SELECT q.tenant_id, q.used, coalesce((SELECT sum(r.%s) FROM quota_reservation r
                        WHERE r.tenant_id = q.tenant_id AND r.state = 'HELD'), 0)
                    FROM (SELECT tenant_id, resource, sum(used) AS used FROM quota_share GROUP BY tenant_id, resource) q WHERE q.resource = '%s'""".formatted(d[1], d[0]))) {
                while (rows.next()) {
                    long drift = Math.abs(rows.getLong(2) - rows.getLong(3));
                    if (drift != 0) {
                        quotaDrift += drift;
                        findings.add("tenant " + rows.getString(1) + " " + d[0] + " used " + rows.getLong(2)
                                + " but holds " + rows.getLong(3));
                    }
                }
            }
        }
        try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery("""
                SELECT q.tenant_id, q.resource, q.used,
                    CASE q.resource
                        WHEN 'servers' THEN (SELECT count(*) FROM server s WHERE s.tenant_id = q.tenant_id
                            AND s.deleted_at IS NULL AND s.status NOT IN ('DELETED', 'FAILED'))
                        ELSE (SELECT count(*) FROM workload w WHERE w.tenant_id = q.tenant_id
                            AND w.deleted_at IS NULL AND w.status NOT IN ('DELETED', 'FAILED')) END
                FROM (SELECT tenant_id, resource, sum(used) AS used FROM quota_share GROUP BY tenant_id, resource) q WHERE q.resource IN ('servers', 'workloads')""")) {
            while (rows.next()) {
                long drift = Math.abs(rows.getLong(3) - rows.getLong(4));
                if (drift != 0) {
                    quotaDrift += drift;
                    findings.add("tenant " + rows.getString(1) + " counts " + rows.getLong(3) + " " + rows.getString(2)
                            + " but " + rows.getLong(4) + " live");
                }
            }
        }
        try (Statement st = c.createStatement(); ResultSet rows = st.executeQuery("""
                SELECT r.id FROM quota_reservation r WHERE r.state = 'HELD'
                  AND NOT EXISTS (SELECT 1 FROM server s WHERE s.quota_reservation_id = r.id
                                  AND s.deleted_at IS NULL AND s.status NOT IN ('DELETED', 'FAILED'))
                  AND NOT EXISTS (SELECT 1 FROM workload w WHERE w.quota_reservation_id = r.id
                                  AND w.deleted_at IS NULL AND w.status NOT IN ('DELETED', 'FAILED'))""")) {
            while (rows.next()) {
                quotaDrift++;
                findings.add("reservation " + rows.getString(1) + " is held by no live resource");
            }
        }
    }
}
