/**
 * Outputs from the history rendered with JupyterLab's rendermime, as the
 * notebook would show them (images, HTML, tables), without the notebook.
 */
import type { IOutput } from '@jupyterlab/nbformat';
import { OutputAreaModel, SimplifiedOutputArea } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

export function Outputs(props: { outputs: readonly IOutput[]; rendermime: IRenderMimeRegistry | null; className?: string }): JSX.Element {
  const { outputs, rendermime } = props;
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (!node || !rendermime) {
      return;
    }
    // Untrusted: HTML is sanitised and scripts do not run, as for any notebook not trusted.
    const model = new OutputAreaModel({ values: outputs as IOutput[], trusted: false });
    const area = new SimplifiedOutputArea({ model, rendermime });
    // The node only, not Widget.attach: React may remove the host before this effect's
    // cleanup runs, and detaching a widget whose node left the page throws.
    node.appendChild(area.node);
    return () => {
      area.dispose();
      model.dispose();
    };
  }, [outputs, rendermime]);
  if (!rendermime) {
    return (
      <pre className={props.className}>
        {outputs.map(o => String((o as any).text ?? (o as any).data?.['text/plain'] ?? o.output_type)).join('\n')}
      </pre>
    );
  }
  return <div ref={host} className={props.className} />;
}
