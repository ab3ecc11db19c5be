package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import org.junit.jupiter.api.Test;

/**
 * The code {@link BridgeDefiner} puts at the start of a static initialiser. Here the class is not in java.base, so
 * the bridge is not found and the definition is refused (jdk.internal.misc is not exported to it): both handlers
 * run, and the initialiser's own code must still run, once, with the class passing the JVM's verifier (classes of
 * a custom loader are verified, so the hand-written frames are checked for real). The agent-tests see the bridge
 * defined for real by java.net.Socket (EnforceTest).
 */
class BridgeDefinerTest {
    private static final String WITH_INITIALISER = "io/kaagent/test/InitialiserLoopsToItsStart";
    private static final String WITHOUT_INITIALISER = "io/kaagent/test/NoInitialiser";

    @Test
    void theInitialiserStillRunsOnceAndTheClassVerifies() throws Exception {
        Set<String> applied = new HashSet<>();
        byte[] rewritten = HookRewriter.rewrite(classWithInitialiser(), WITH_INITIALISER, List.of(), applied,
                bridgeBytes());
        assertTrue(applied.contains(HookRewriter.BRIDGE_IN_INITIALISER), "applied: " + applied);
        assertTrue(ClassFileContents.callTargets(rewritten).contains("jdk/internal/misc/Unsafe.defineClass"),
                "the initialiser defines the bridge: " + ClassFileContents.callTargets(rewritten));

        Class<?> loaded = Class.forName(WITH_INITIALISER.replace('/', '.'), true, new OneClassLoader(rewritten));
        assertEquals(1, loaded.getField("runs").getInt(null), "the initialiser's own code ran once");
    }

    @Test
    void aClassWithoutAnInitialiserGetsNone() throws Exception {
        Set<String> applied = new HashSet<>();
        byte[] original = classWithoutInitialiser();
        byte[] rewritten = HookRewriter.rewrite(original, WITHOUT_INITIALISER, List.of(), applied, bridgeBytes());
        assertFalse(applied.contains(HookRewriter.BRIDGE_IN_INITIALISER), "applied: " + applied);
        assertEquals(ClassFileContents.methods(original), ClassFileContents.methods(rewritten),
                "no method added: a later retransformation by another agent could not delete it");
    }

    @Test
    void withoutBridgeBytesNothingIsCarried() throws Exception {
        Set<String> applied = new HashSet<>();
        byte[] rewritten = HookRewriter.rewrite(classWithInitialiser(), WITH_INITIALISER, List.of(), applied, null);
        assertFalse(applied.contains(HookRewriter.BRIDGE_IN_INITIALISER));
        assertFalse(ClassFileContents.callTargets(rewritten).contains("jdk/internal/misc/Unsafe.defineClass"));
    }

    private static byte[] bridgeBytes() throws Exception {
        return AgentClassBytes.of(BridgeDefinerTest.class.getClassLoader(), "io/kaagent/bootstrap/KaBridge");
    }

    /**
     * {@code public static int runs;} and an initialiser whose first instruction is a jump target (it loops back to
     * its start once): a frame at offset 0, which the inserted code must not collide with.
     */
    private static byte[] classWithInitialiser() {
        ClassWriter writer = new ClassWriter(0);
        writer.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, WITH_INITIALISER, null,
                "java/lang/Object", null);
        writer.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "runs", "I", null, null).visitEnd();
        MethodVisitor init = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        init.visitCode();
        Label start = new Label();
        Label done = new Label();
        init.visitLabel(start);
        init.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        init.visitFieldInsn(Opcodes.GETSTATIC, WITH_INITIALISER, "runs", "I");
        init.visitJumpInsn(Opcodes.IFNE, done);
        init.visitFieldInsn(Opcodes.GETSTATIC, WITH_INITIALISER, "runs", "I");
        init.visitInsn(Opcodes.ICONST_1);
        init.visitInsn(Opcodes.IADD);
        init.visitFieldInsn(Opcodes.PUTSTATIC, WITH_INITIALISER, "runs", "I");
        init.visitJumpInsn(Opcodes.GOTO, start);
        init.visitLabel(done);
        init.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(2, 0);
        init.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static byte[] classWithoutInitialiser() {
        ClassWriter writer = new ClassWriter(0);
        writer.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, WITHOUT_INITIALISER, null,
                "java/lang/Object", null);
        MethodVisitor get = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "one", "()I", null, null);
        get.visitCode();
        get.visitInsn(Opcodes.ICONST_1);
        get.visitInsn(Opcodes.IRETURN);
        get.visitMaxs(1, 0);
        get.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** Defines the one class; everything else from the test's own loader. */
    private static final class OneClassLoader extends ClassLoader {
        private final byte[] classfile;

        OneClassLoader(byte[] classfile) {
            super(BridgeDefinerTest.class.getClassLoader());
            this.classfile = classfile;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.equals(WITH_INITIALISER.replace('/', '.'))) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, classfile, 0, classfile.length);
        }
    }
}
