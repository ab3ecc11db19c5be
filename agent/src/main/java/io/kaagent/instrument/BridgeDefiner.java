package io.kaagent.instrument;

import java.nio.charset.StandardCharsets;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Code put at the start of a hooked JDK class's static initialiser (JDK 9+, at its load only): unless the bootstrap
 * loader has the bridge already, it defines it, from the bytes this code carries, through
 * {@code jdk.internal.misc.Unsafe}, which java.base code may call. So the first socket class the application
 * initialises brings the bridge its hooks call, and the application need not wait at that class's load for the
 * agent to open java.base and define the bridge itself (FirstConnectBench: ~15 ms of a JVM's first connection on
 * JDK 17, mostly the JDK's first lambdas in {@code Instrumentation.redefineModule}). A hooked call made before the
 * agent's handlers are in waits for them in the bridge ({@code KaBridge.agentReady}).
 * <p>
 * Only a class that has a static initialiser already gets it: adding a method would make any later
 * retransformation of that class by another agent fail (a retransformation may not delete methods). Everything is
 * caught: a class initialiser that threw would leave the JDK's socket class unusable. Frames are written by hand
 * (the rewrite computes none, see {@link HookRewriter}); the code stores no local, so the method's own frames stay
 * valid after it.
 */
final class BridgeDefiner extends MethodVisitor {
    private static final String UNSAFE = "jdk/internal/misc/Unsafe";
    private static final String THROWABLE = "java/lang/Throwable";
    private final String bridgeBytes;
    private final int bridgeLength;

    /** @param bridge the bridge's class file */
    BridgeDefiner(MethodVisitor next, byte[] bridge) {
        super(Opcodes.ASM9, next);
        // A constant string holds any byte as one char; the class's own code turns it back into the bytes.
        this.bridgeBytes = new String(bridge, StandardCharsets.ISO_8859_1);
        this.bridgeLength = bridge.length;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        Label lookUp = new Label();
        Label lookedUp = new Label();
        Label notFound = new Label();
        Label define = new Label();
        Label defined = new Label();
        Label failed = new Label();
        Label done = new Label();
        super.visitTryCatchBlock(lookUp, lookedUp, notFound, THROWABLE);
        super.visitTryCatchBlock(define, defined, failed, THROWABLE);

        // Class.forName(BRIDGE, false, null): already there (another hooked class, or the agent, defined it)?
        super.visitLabel(lookUp);
        super.visitLdcInsn(BootstrapBridge.NAME);
        super.visitInsn(Opcodes.ICONST_0);
        super.visitInsn(Opcodes.ACONST_NULL);
        super.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Class", "forName",
                "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;", false);
        super.visitInsn(Opcodes.POP);
        super.visitLabel(lookedUp);
        super.visitJumpInsn(Opcodes.GOTO, done);

        // Not there: Unsafe.getUnsafe().defineClass(BRIDGE, bytes, 0, length, null, null), in the bootstrap loader.
        dropCaught(notFound);
        super.visitLabel(define);
        super.visitMethodInsn(Opcodes.INVOKESTATIC, UNSAFE, "getUnsafe", "()L" + UNSAFE + ";", false);
        super.visitLdcInsn(BootstrapBridge.NAME);
        super.visitLdcInsn(bridgeBytes);
        super.visitFieldInsn(Opcodes.GETSTATIC, "java/nio/charset/StandardCharsets", "ISO_8859_1",
                "Ljava/nio/charset/Charset;");
        super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/String", "getBytes",
                "(Ljava/nio/charset/Charset;)[B", false);
        super.visitInsn(Opcodes.ICONST_0);
        super.visitLdcInsn(bridgeLength);
        super.visitInsn(Opcodes.ACONST_NULL);
        super.visitInsn(Opcodes.ACONST_NULL);
        super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, UNSAFE, "defineClass",
                "(Ljava/lang/String;[BIILjava/lang/ClassLoader;Ljava/security/ProtectionDomain;)Ljava/lang/Class;",
                false);
        super.visitInsn(Opcodes.POP);
        super.visitLabel(defined);
        super.visitJumpInsn(Opcodes.GOTO, done);

        // Defined meanwhile by another thread, or refused: the agent defines it itself, or the hooks go without.
        dropCaught(failed);

        super.visitLabel(done);
        super.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        // The initialiser's own code may start with a frame of its own: never two frames at one offset.
        super.visitInsn(Opcodes.NOP);
    }

    /** An exception handler that discards what it caught: the locals as on entry, the throwable on the stack. */
    private void dropCaught(Label handler) {
        super.visitLabel(handler);
        super.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {THROWABLE});
        super.visitInsn(Opcodes.POP);
    }
}
