/**
 * The contract between tracer.ts and tracer.py: the comm target, the private
 * module, and the install snippet around the tracer source.
 *
 * The Python tests and the benchmark read this file too (each value is a
 * JSON literal on one line), so they install the tracer exactly as the
 * frontend does.
 */

/** Version of the comm messages; the kernel states its own in `hello`. */
export const TRACER_PROTOCOL = 2;

/** The comm target the tracer registers in the kernel. */
export const TRACER_TARGET = "retrace.tracer";

/** The module the tracer lives in, in `sys.modules` (never in the user namespace). */
export const TRACER_MODULE = "_retrace_tracer";

/**
 * Install code: INSTALL_PREFIX + the source as a Python string literal + INSTALL_SUFFIX.
 * It execs the source in the private module, looking builtins up in `builtins`
 * so that user names shadowing `exec` or `compile` do not matter; evaluated in
 * the user namespace it binds nothing.
 */
export const INSTALL_PREFIX = "(lambda s, b=__import__('builtins'): b.exec(b.compile(s, '<retrace-tracer>', 'exec'), b.__import__('sys').modules.setdefault('_retrace_tracer', b.__import__('types').ModuleType('_retrace_tracer')).__dict__))(";
export const INSTALL_SUFFIX = ")";
