package org.snakeyaml.engine.v2.common;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.snakeyaml.engine.external.com.google.gdata.util.common.base.Escaper;
import org.snakeyaml.engine.external.com.google.gdata.util.common.base.PercentEscaper;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * ka-agent's replacement for snakeyaml-engine 2.10's {@code UriEncoder} (the shade filter in agent/pom.xml drops the
 * original), with the same methods and answers. The original makes its {@link PercentEscaper} in its static
 * initialiser, which {@code Tag}'s runs for its constants: PercentEscaper's constructor checks its safe characters
 * with {@code String.matches}, and in a cold JVM that regular expression loads ~25 of the JDK's classes and spins
 * its lambdas, ~5-10 ms on the policy thread a fresh container's first start waits for (measured). Every tag a
 * policy has (SnakeYAML's own, {@code tag:yaml.org,2002:str} and the like) is made of characters the escaper keeps
 * as they are, and for those it returns the string itself: that is answered here without it, and the escaper is
 * made at the first string that has anything to escape.
 */
public abstract class UriEncoder {
    private static final CharsetDecoder UTF8_DECODER =
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
    /** The original's: what PercentEscaper keeps besides ASCII letters and digits. */
    static final String SAFE_CHARS = "-_.!~*'()@:$&,;=[]/";

    private UriEncoder() {
    }

    /** Escapes what a URI may not hold, as the original's {@code new PercentEscaper(SAFE_CHARS, false)} does. */
    public static String encode(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            if (!keptAsIs(uri.charAt(i))) {
                return Escaping.ESCAPER.escape(uri);
            }
        }
        return uri;
    }

    /** The original's, unchanged. */
    public static String decode(ByteBuffer buff) throws CharacterCodingException {
        return UTF8_DECODER.decode(buff).toString();
    }

    /** The original's, unchanged. */
    public static String decode(String buff) {
        try {
            return URLDecoder.decode(buff, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new YamlEngineException(e);
        }
    }

    /** Whether PercentEscaper keeps this character as it is: an ASCII letter or digit, or one of SAFE_CHARS. */
    static boolean keptAsIs(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || SAFE_CHARS.indexOf(c) >= 0;
    }

    /** Made at the first string with something to escape (a holder: the JVM initialises it then, once). */
    private static final class Escaping {
        static final Escaper ESCAPER = new PercentEscaper(SAFE_CHARS, false);
    }
}
