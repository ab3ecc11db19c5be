package io.kaagent.cache;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a stream whole, up to a limit, so that a huge or endless source (a FIFO, /dev/zero, a damaged entry) is never
 * held in memory. java.io only: it runs in premain, on the policy thread and inside class-file transforms. The
 * caller closes the stream.
 */
public final class BoundedInput {
    private BoundedInput() {
    }

    /**
     * @param limit    at most this many bytes are read; more in the stream are left unread (a caller that must
     *                 tell "exactly the limit" from "more" asks for one byte more than it accepts)
     * @param sizeHint the size expected, to size the buffer once when it is right
     * @return the bytes read, up to the end of the stream or the limit
     */
    public static byte[] readAtMost(InputStream in, int limit, int sizeHint) throws IOException {
        byte[] buffer = new byte[Math.max(1, Math.min(sizeHint, limit))];
        int length = 0;
        while (length < limit) {
            if (length == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, buffer.length * 2L));
            }
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                break;
            }
            length += read;
        }
        return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }
}
