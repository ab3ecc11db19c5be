package org.snakeyaml.engine.v2.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.external.com.google.gdata.util.common.base.PercentEscaper;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;

/** The agent's UriEncoder answers as snakeyaml-engine's own: its PercentEscaper, built as the original builds it. */
class UriEncoderTest {
    private static final PercentEscaper ORIGINAL = new PercentEscaper(UriEncoder.SAFE_CHARS, false);

    @Test
    void everyCharacterIsKeptOrEscapedAsTheOriginalDoes() {
        for (char c = 0; c < Character.MIN_SURROGATE; c++) {
            String one = String.valueOf(c);
            assertEquals(ORIGINAL.escape(one), UriEncoder.encode(one), "character " + (int) c);
            assertEquals(ORIGINAL.escape(one).equals(one), UriEncoder.keptAsIs(c), "character " + (int) c);
        }
    }

    @Test
    void randomStringsAreEncodedAsTheOriginalDoes() {
        Random random = new Random(20261202L);
        String alphabet = "azAZ09" + UriEncoder.SAFE_CHARS + " %#?+\"<>\\^`{|}\t\n\u00e9\u20ac\ud83d\ude00";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder("tag:");
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                int at = random.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isLowSurrogate(c)) {
                    c = alphabet.charAt(--at);
                }
                text.append(c);
                if (Character.isHighSurrogate(c)) {
                    text.append(alphabet.charAt(at + 1)); // the emoji whole: a lone surrogate is tested below
                }
            }
            String uri = text.toString();
            assertEquals(ORIGINAL.escape(uri), UriEncoder.encode(uri), uri);
        }
    }

    @Test
    void aStringWithNothingToEscapeIsReturnedItself() {
        String tag = "tag:yaml.org,2002:str";
        assertSame(tag, UriEncoder.encode(tag));
        assertSame(tag, ORIGINAL.escape(tag));
        assertEquals(Tag.PREFIX + "str", Tag.STR.getValue());
        assertEquals("!my%20tag", new Tag("!my tag").getValue());
    }

    @Test
    void aLoneSurrogateFailsAsInTheOriginal() {
        String broken = "tag:\ud83d";
        IllegalArgumentException original = assertThrows(IllegalArgumentException.class,
                () -> ORIGINAL.escape(broken));
        IllegalArgumentException ours = assertThrows(IllegalArgumentException.class,
                () -> UriEncoder.encode(broken));
        assertEquals(original.getMessage(), ours.getMessage());
    }

    @Test
    void decodesAsTheOriginal() throws Exception {
        assertEquals("a b\u00e9", UriEncoder.decode("a%20b%C3%A9"));
        assertEquals("\u00e9", UriEncoder.decode(ByteBuffer.wrap("\u00e9".getBytes(StandardCharsets.UTF_8))));
        assertThrows(java.nio.charset.CharacterCodingException.class,
                () -> UriEncoder.decode(ByteBuffer.wrap(new byte[] {(byte) 0xc3})));
        assertThrows(IllegalArgumentException.class, () -> UriEncoder.decode("%zz"));
        assertEquals(YamlEngineException.class.getName(), "org.snakeyaml.engine.v2.exceptions.YamlEngineException");
    }
}
