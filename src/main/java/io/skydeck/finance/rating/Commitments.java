package io.skydeck.finance.rating;

import io.skydeck.finance.Jdbc;
import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.rating.Commitment;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Commitments in the {@code commitment} table, and those rating applies to a tenant's month. */
@ApplicationScoped
public class Commitments {

    /** A stored commitment: the engine's commitment plus who recorded it and when. */
    public record StoredCommitment(UUID id, UUID tenantId, Commitment commitment, Instant createdAt, String createdBy) {
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    /** Stores a commitment built from valid terms ({@link CommitmentTerms#toCommitment}); its id is the row's id. */
    @Transactional
    public StoredCommitment create(Commitment commitment, String createdBy) {
        UUID id = UUID.fromString(commitment.id());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO commitment (id, tenant_id, kind, provider, currency, effective_from, effective_to, region, meter, flavor,
                    units_per_hour, committed_unit_price, hourly_commitment, discount_rate, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, UUID.fromString(commitment.tenantId()));
            ps.setString(4, commitment.provider());
            ps.setString(5, commitment.currency());
            ps.setObject(6, SqlTime.utc(commitment.from()));
            ps.setObject(7, SqlTime.utc(commitment.to()));
            if (commitment instanceof Commitment.ReservedCapacity rc) {
                ps.setString(3, "RESERVED_CAPACITY");
                ps.setString(8, rc.region());
                ps.setString(9, rc.meter().name());
                ps.setString(10, rc.flavor());
                ps.setBigDecimal(11, rc.unitsPerHour());
                ps.setBigDecimal(12, rc.committedUnitPrice());
                ps.setBigDecimal(13, null);
                ps.setBigDecimal(14, null);
            } else if (commitment instanceof Commitment.SpendCommitment sc) {
                ps.setString(3, "SPEND");
                ps.setString(8, null);
                ps.setString(9, null);
                ps.setString(10, "");
                ps.setBigDecimal(11, null);
                ps.setBigDecimal(12, null);
                ps.setBigDecimal(13, sc.hourlyCommitment());
                ps.setBigDecimal(14, sc.discountRate());
            }
            ps.setObject(15, SqlTime.utc(now));
            ps.setString(16, createdBy);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store commitment " + id, e);
        }
        return find(id).orElseThrow();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<StoredCommitment> find(UUID id) {
        return query("SELECT * FROM commitment WHERE id = ?", List.of(id)).stream().findFirst();
    }

    /** A page ordered by creation, {@code limit + 1} rows at most. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredCommitment> list(Optional<UUID> tenantId, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM commitment WHERE true");
        List<Object> args = new ArrayList<>();
        tenantId.ifPresent(t -> {
            sql.append(" AND tenant_id = ?");
            args.add(t);
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (created_at, id) > (?, ?)");
            args.add(SqlTime.utc(cur.createdAt()));
            args.add(cur.id());
        });
        sql.append(" ORDER BY created_at, id LIMIT ").append(page.limit() + 1);
        return query(sql.toString(), args);
    }

    /** The tenant's commitments in force at any time of the period; rating charges each for its hours in it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Commitment> inForce(UUID tenantId, BillingPeriod period) {
        return query("SELECT * FROM commitment WHERE tenant_id = ? AND effective_from < ? AND effective_to > ? ORDER BY id",
                List.of(tenantId, SqlTime.utc(period.end()), SqlTime.utc(period.start())))
                .stream().map(StoredCommitment::commitment).toList();
    }

    public static Cursor position(StoredCommitment s) {
        return new Cursor(s.createdAt(), s.id());
    }

    private List<StoredCommitment> query(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "commitments", sql, args, Commitments::toStored);
    }

    private static StoredCommitment toStored(ResultSet rs) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        UUID tenant = rs.getObject("tenant_id", UUID.class);
        Instant from = SqlTime.instant(rs, "effective_from");
        Instant to = SqlTime.instant(rs, "effective_to");
        Commitment commitment = switch (rs.getString("kind")) {
            case "RESERVED_CAPACITY" -> new Commitment.ReservedCapacity(id.toString(), tenant.toString(), rs.getString("provider"),
                    rs.getString("region"), Meter.valueOf(rs.getString("meter")), rs.getString("flavor"),
                    rs.getBigDecimal("units_per_hour"), rs.getBigDecimal("committed_unit_price"), rs.getString("currency"), from, to);
            case "SPEND" -> new Commitment.SpendCommitment(id.toString(), tenant.toString(), rs.getString("provider"),
                    rs.getBigDecimal("hourly_commitment"), rs.getBigDecimal("discount_rate"), rs.getString("currency"), from, to);
            default -> throw new IllegalStateException("commitment " + id + " has unknown kind " + rs.getString("kind"));
        };
        return new StoredCommitment(id, tenant, commitment, SqlTime.instant(rs, "created_at"), rs.getString("created_by"));
    }
}
