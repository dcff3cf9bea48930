package io.skydeck.finance.rating;

import io.skydeck.finance.Jdbc;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.rating.RateCard;
import io.skydeck.billing.rating.RateCatalog;
import io.skydeck.finance.FinanceJson;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem.FieldError;
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

/** Rate cards in the {@code rate_card} table, and the catalog rating uses. */
@ApplicationScoped
public class RateCards {

    /** A stored card: the engine's card plus who made it and when. */
    public record StoredCard(UUID id, RateCard card, List<RateSpec> rates, Instant createdAt, String createdBy) {
    }

    private static final TypeReference<List<RateSpec>> RATES = new TypeReference<>() { };

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    /** Stores a new version of the named card: one more than the highest stored version of that name. */
    @Transactional
    public StoredCard create(String name, String provider, String region, String currency, Instant from, Instant to,
                            UUID tenantId, List<RateSpec> rates, String createdBy) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "rate-card|" + name);
                lock.execute();
            }
            int version;
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(version), 0) + 1 FROM rate_card WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    version = rs.getInt(1);
                }
            }
            UUID id = UUID.randomUUID();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO rate_card (id, name, version, provider, region, currency, effective_from, effective_to, tenant_id,
                        rates, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                ps.setObject(1, id);
                ps.setString(2, name);
                ps.setInt(3, version);
                ps.setString(4, provider);
                ps.setString(5, region);
                ps.setString(6, currency);
                ps.setObject(7, SqlTime.utc(from));
                ps.setObject(8, SqlTime.utc(to));
                ps.setObject(9, tenantId);
                ps.setString(10, FinanceJson.write(json, rates));
                ps.setObject(11, SqlTime.utc(now));
                ps.setString(12, createdBy);
                ps.executeUpdate();
            }
            return find(c, id).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store rate card " + name, e);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<StoredCard> find(UUID id) {
        try (Connection c = dataSource.getConnection()) {
            return find(c, id);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read rate card " + id, e);
        }
    }

    /** A page ordered by creation, {@code limit + 1} rows at most. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredCard> list(Optional<String> provider, Optional<String> name, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM rate_card WHERE true");
        List<Object> args = new ArrayList<>();
        provider.ifPresent(p -> {
            sql.append(" AND provider = ?");
            args.add(p);
        });
        name.ifPresent(n -> {
            sql.append(" AND name = ?");
            args.add(n);
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (created_at, id) > (?, ?)");
            args.add(SqlTime.utc(cur.createdAt()));
            args.add(cur.id());
        });
        sql.append(" ORDER BY created_at, id LIMIT ").append(page.limit() + 1);
        return query(sql.toString(), args);
    }

    /** Every card ever stored: cards are few, and old ones still price old months. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public RateCatalog catalog() {
        return new RateCatalog(query("SELECT * FROM rate_card ORDER BY name, version", List.of()).stream().map(StoredCard::card).toList());
    }

    public static Cursor position(StoredCard s) {
        return new Cursor(s.createdAt(), s.id());
    }

    private Optional<StoredCard> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM rate_card WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(toCard(rs)) : Optional.empty();
            }
        }
    }

    private List<StoredCard> query(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "rate cards", sql, args, this::toCard);
    }

    private StoredCard toCard(ResultSet rs) throws SQLException {
        List<RateSpec> specs = FinanceJson.read(json, rs.getString("rates"), RATES);
        List<FieldError> errors = new ArrayList<>();
        var rates = RateSpec.toRates(specs, errors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("stored rate card " + rs.getObject("id") + " is not valid: " + errors);
        }
        UUID tenant = rs.getObject("tenant_id", UUID.class);
        RateCard card = new RateCard(rs.getString("name"), rs.getInt("version"), rs.getString("provider"), rs.getString("region"),
                rs.getString("currency"), SqlTime.instant(rs, "effective_from"), SqlTime.instant(rs, "effective_to"),
                tenant == null ? null : tenant.toString(), rates);
        return new StoredCard(rs.getObject("id", UUID.class), card, specs, SqlTime.instant(rs, "created_at"), rs.getString("created_by"));
    }
}
