import { LabIcon } from '@jupyterlab/ui-components';

import replaySvg from '../../style/icons/replay.svg';
import retraceSvg from '../../style/icons/retrace.svg';

export const retraceIcon = new LabIcon({ name: 'retrace:retrace', svgstr: retraceSvg });
export const replayIcon = new LabIcon({ name: 'retrace:replay', svgstr: replaySvg });
