import { LabIcon } from '@jupyterlab/ui-components';

import retraceSvg from '../../style/icons/retrace.svg';

export const retraceIcon = new LabIcon({ name: 'retrace:retrace', svgstr: retraceSvg });
