package io.kaagent.ops.support;

import io.kaagent.it.support.KernelSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The table {@code status <pid>} prints, parsed: one row per TCP socket of the process. */
public final class StatusTable {
    /** One row; the option values as printed ({@code 30s}, {@code off}, {@code ?}). */
    public record Row(int fd, String state, String local, String remote, String direction, String keepAlive,
                      String idle, String interval, String count, String userTimeout, String rule) {

        public int localPort() {
            return port(local);
        }

        public int remotePort() {
            return port(remote);
        }

        private static int port(String address) {
            return address.equals("*") ? 0 : Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }

        /** The values as a kernel reading, for comparison with what pidfd_getfd + getsockopt read. */
        public KernelSocketOptions options() {
            return new KernelSocketOptions(keepAlive.equals("on"), seconds(idle), seconds(interval),
                    Integer.parseInt(count), userTimeout.equals("off") ? 0
                            : Integer.parseInt(userTimeout.substring(0, userTimeout.length() - 2)));
        }

        private static int seconds(String value) {
            return Integer.parseInt(value.substring(0, value.length() - 1));
        }
    }

    private final String header;
    private final List<Row> rows;

    private StatusTable(String header, List<Row> rows) {
        this.header = header;
        this.rows = rows;
    }

    public static StatusTable parse(List<String> stdout) {
        if (stdout.isEmpty()) {
            throw new AssertionError("status printed nothing");
        }
        List<Row> rows = new ArrayList<>();
        for (String line : stdout) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 11 && f[0].matches("\\d+") && f[1].matches("[A-Z_0-9]+")) {
                StringBuilder rule = new StringBuilder(f[10]);
                for (int i = 11; i < f.length; i++) {
                    rule.append(' ').append(f[i]);
                }
                rows.add(new Row(Integer.parseInt(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                        rule.toString()));
            }
        }
        return new StatusTable(stdout.get(0), rows);
    }

    /** The first line: {@code pid N (main): ka-agent ... loaded ...} or {@code ... not loaded}. */
    public String header() {
        return header;
    }

    public List<Row> rows() {
        return rows;
    }

    public Optional<Row> byFd(int fd) {
        return rows.stream().filter(r -> r.fd() == fd).findFirst();
    }
}
