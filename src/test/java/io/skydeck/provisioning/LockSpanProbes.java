package io.skydeck.provisioning;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the lock-span tests share: DDL for the probe tables, functions and triggers they put into
 * the create's transaction, and the probes read back as {@code "<what>=<rows locked>"}.
 */
final class LockSpanProbes {

    private LockSpanProbes() {
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The rows of {@code query} (two columns: a label and a count; the tenant as its one parameter) as {@code label=count}. */
    static List<String> probes(DataSource dataSource, String query, UUID tenant) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(query)) {
            s.setObject(1, tenant);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1) + "=" + rs.getLong(2));
                }
            }
        }
        return found;
    }
}
