package io.skydeck.finance;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The finance tables are read and written with plain JDBC (they hold JSON documents and bulk
 * rows that an entity model would only get in the way of); this is the one place that binds
 * parameters, walks result sets and says what could not be read.
 */
public final class Jdbc {

    /** Turns the current row into a value. */
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Jdbc() {
    }

    /** @param what the things being read, for the error ("bill imports") */
    public static <T> List<T> query(DataSource dataSource, String what, String sql, List<?> args, Row<T> row) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + what, e);
        }
    }

    /** @param what the change being made, for the error ("record the job run") */
    public static int update(DataSource dataSource, String what, String sql, List<?> args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot " + what, e);
        }
    }

    private static void bind(PreparedStatement ps, List<?> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }
}
