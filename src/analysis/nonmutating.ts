/**
 * What the analysis knows about calls it cannot see into: which methods leave
 * their object alone, which change it, which module functions change global
 * state a later cell depends on (seeds, options), which draw random numbers,
 * read the clock, or read and write files.
 *
 * Maintained by hand. A method missing from both method lists counts as a
 * possible mutation (the safe side for the canonical order); add to
 * NON_MUTATING_METHODS when a common one floods the results.
 */

/** Methods that return a new value and leave the object they are called on unchanged. */
export const NON_MUTATING_METHODS: ReadonlySet<string> = new Set(
  (
    // Inspection and display.
    'head tail describe info sample plot hist boxplot scatter bar barh pie imshow ' +
    'show display summary print_summary to_string to_dict to_list tolist to_numpy to_frame ' +
    'to_records to_markdown to_latex to_html to_series to_period to_timestamp to_xarray ' +
    'memory_usage nunique unique value_counts isna isnull notna notnull isin ' +
    'duplicated any all equals ' +
    // Copies and conversions.
    'copy deepcopy astype convert_dtypes infer_objects view reshape ravel flatten ' +
    'transpose swapaxes squeeze expand_dims tobytes numpy cpu cuda detach clone item ' +
    // Aggregation and arithmetic returning new objects.
    'sum mean median mode std var min max prod cumsum cumprod cummax cummin count ' +
    'quantile corr cov abs round clip_lower clip_upper idxmin idxmax argmin argmax ' +
    'argsort nlargest nsmallest rank diff pct_change shift dot matmul add_prefix add_suffix ' +
    'sub mul div truediv floordiv mod pow radd rsub rmul rdiv eq ne lt le gt ge ' +
    'agg aggregate apply applymap map transform pipe filter ' +
    // Reshaping and selection returning new frames.
    'groupby rolling expanding ewm resample pivot pivot_table melt stack unstack explode ' +
    'merge join concat combine combine_first align reindex reindex_like select_dtypes ' +
    'loc iloc at iat xs take get nth first last between between_time at_time ' +
    'assign drop_duplicates dropna fillna replace rename sort_values sort_index ' +
    'reset_index set_index drop where mask query eval interpolate ffill bfill ' +
    'clip truncate round dt cat sparse to_datetime isocalendar strftime ' +
    // Strings and containers.
    'str format format_map join split rsplit splitlines strip lstrip rstrip lower upper ' +
    'title capitalize casefold swapcase startswith endswith find rfind index rindex ' +
    'replace partition rpartition center ljust rjust zfill encode decode isdigit ' +
    'isalpha isalnum isnumeric isspace islower isupper contains match fullmatch findall ' +
    'finditer search sub subn group groups groupdict span keys values items ' +
    'issubset issuperset isdisjoint union intersection difference symmetric_difference ' +
    'most_common elements total ' +
    // Models and estimators used after fitting.
    'predict predict_proba predict_log_proba decision_function score score_samples ' +
    'get_params get_feature_names_out inverse_transform evaluate ' +
    'forward parameters named_parameters state_dict children modules ' +
    // Misc.
    'exists is_file is_dir stat resolve absolute glob rglob iterdir with_suffix with_name ' +
    'joinpath relative_to as_posix json raise_for_status hexdigest digest ' +
    'now today utcnow fromtimestamp strptime isoformat timestamp date time weekday total_seconds replace_tz tz_localize tz_convert ' +
    'savefig to_csv to_excel to_json to_parquet to_pickle to_feather to_hdf to_sql ' +
    'write_csv write_parquet read read_text read_bytes readline readlines __len__ __repr__ __str__'
  ).split(/\s+/).filter(Boolean)
);

/** Methods that change the object they are called on. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(
  (
    'append extend insert remove pop popitem clear update setdefault add discard sort ' +
    'reverse fit fit_transform partial_fit train compile load_state_dict zero_grad ' +
    'step backward set_params __setitem__ __delitem__ ' +
    'resize fill put itemset setflags put_along_axis add_node add_nodes_from ' +
    'add_edge add_edges_from remove_node remove_edge add_trace update_layout ' +
    'update_traces add_subplot set_title set_xlabel set_ylabel set_xlim set_ylim ' +
    'legend grid close write writelines flush seek'
  ).split(/\s+/).filter(Boolean)
);

/**
 * pandas-style methods that return a new object unless called with
 * `inplace=True`, in which case they change the object and return None.
 */
export const INPLACE_METHODS: ReadonlySet<string> = new Set(
  (
    'drop dropna drop_duplicates fillna replace rename rename_axis reset_index set_index ' +
    'sort_values sort_index query eval interpolate ffill bfill clip where mask ' +
    'set_axis astype insert backfill pad'
  ).split(/\s+/).filter(Boolean)
);

/**
 * Module functions (by module path, as resolved through the cell's imports and
 * the common aliases) that change global state of the module: a later cell
 * depends on them, so the analysis reports them as a mutation of the module name.
 */
export const GLOBAL_STATE_SETTERS: ReadonlySet<string> = new Set([
  'numpy.random.seed',
  'numpy.random.set_state',
  'numpy.set_printoptions',
  'numpy.seterr',
  'random.seed',
  'random.setstate',
  'torch.manual_seed',
  'torch.cuda.manual_seed',
  'torch.cuda.manual_seed_all',
  'torch.set_default_dtype',
  'torch.set_default_device',
  'torch.set_grad_enabled',
  'torch.set_num_threads',
  'torch.use_deterministic_algorithms',
  'tensorflow.random.set_seed',
  'tensorflow.set_random_seed',
  'tensorflow.keras.utils.set_random_seed',
  'keras.utils.set_random_seed',
  'tensorflow.config.run_functions_eagerly',
  'pandas.set_option',
  'pandas.reset_option',
  'pandas.options.display.float_format',
  'matplotlib.pyplot.style.use',
  'matplotlib.pyplot.rc',
  'matplotlib.pyplot.rcdefaults',
  'matplotlib.pyplot.switch_backend',
  'matplotlib.pyplot.ion',
  'matplotlib.pyplot.ioff',
  'matplotlib.rc',
  'matplotlib.use',
  'matplotlib.style.use',
  'matplotlib.rcdefaults',
  'seaborn.set',
  'seaborn.set_theme',
  'seaborn.set_style',
  'seaborn.set_context',
  'seaborn.set_palette',
  'seaborn.set_color_codes',
  'seaborn.reset_defaults',
  'seaborn.reset_orig',
  'plotly.io.renderers.default',
  'warnings.filterwarnings',
  'warnings.simplefilter',
  'warnings.resetwarnings',
  'logging.basicConfig',
  'logging.disable',
  'os.chdir',
  'os.putenv',
  'os.unsetenv',
  'os.environ.update',
  'os.environ.setdefault',
  'os.environ.pop',
  'sys.path.append',
  'sys.path.insert',
  'sys.path.extend',
  'sys.setrecursionlimit',
  'locale.setlocale',
  'tqdm.pandas',
  'pytorch_lightning.seed_everything',
  'lightning.seed_everything',
  'transformers.set_seed',
  'nltk.download'
]);

/** Random number generator families: seeding one family makes its draws reproducible. */
export type RngFamily = 'numpy' | 'random' | 'torch' | 'tensorflow' | 'all' | 'unseedable';

/** Seeding calls, by module path, and the family they seed. */
export const SEED_CALLS: ReadonlyMap<string, RngFamily> = new Map<string, RngFamily>([
  ['numpy.random.seed', 'numpy'],
  ['numpy.random.set_state', 'numpy'],
  ['random.seed', 'random'],
  ['random.setstate', 'random'],
  ['torch.manual_seed', 'torch'],
  ['torch.cuda.manual_seed', 'torch'],
  ['torch.cuda.manual_seed_all', 'torch'],
  ['tensorflow.random.set_seed', 'tensorflow'],
  ['tensorflow.set_random_seed', 'tensorflow'],
  ['tensorflow.keras.utils.set_random_seed', 'all'],
  ['keras.utils.set_random_seed', 'all'],
  ['pytorch_lightning.seed_everything', 'all'],
  ['lightning.seed_everything', 'all'],
  ['transformers.set_seed', 'all']
]);

function family(prefix: string, names: string, fam: RngFamily): [string, RngFamily][] {
  return names
    .split(' ')
    .filter(Boolean)
    .map(n => [prefix + n, fam]);
}

/** Calls that draw from a global random generator, by module path. */
export const RANDOM_CALLS: ReadonlyMap<string, RngFamily> = new Map<string, RngFamily>([
  ...family(
    'numpy.random.',
    'rand randn randint random random_sample random_integers ranf sample choice shuffle ' +
      'permutation normal uniform binomial poisson exponential beta gamma lognormal laplace ' +
      'logistic geometric dirichlet multinomial multivariate_normal standard_normal ' +
      'standard_exponential standard_gamma standard_t chisquare f hypergeometric pareto ' +
      'rayleigh triangular vonmises wald weibull zipf bytes',
    'numpy'
  ),
  ...family(
    'random.',
    'random randint randrange choice choices shuffle sample uniform gauss normalvariate ' +
      'betavariate expovariate gammavariate triangular lognormvariate vonmisesvariate ' +
      'paretovariate weibullvariate getrandbits randbytes binomialvariate',
    'random'
  ),
  ...family(
    'torch.',
    'rand randn randint randperm rand_like randn_like randint_like normal bernoulli ' +
      'multinomial poisson',
    'torch'
  ),
  ...family(
    'tensorflow.random.',
    'normal uniform shuffle categorical truncated_normal gamma poisson',
    'tensorflow'
  ),
  ['uuid.uuid1', 'unseedable'],
  ['uuid.uuid4', 'unseedable'],
  ['os.urandom', 'unseedable'],
  ...family('secrets.', 'token_bytes token_hex token_urlsafe choice randbelow randbits', 'unseedable')
]);

/** Generator constructors that are random only when called without a seed argument. */
export const RNG_CONSTRUCTORS: ReadonlyMap<string, RngFamily> = new Map<string, RngFamily>([
  ['numpy.random.default_rng', 'numpy'],
  ['numpy.random.RandomState', 'numpy'],
  ['numpy.random.Generator', 'numpy'],
  ['random.Random', 'random'],
  ['torch.Generator', 'torch']
]);

/**
 * What of `torch.nn` draws nothing where it is called: modules without weights or with constant
 * ones (activations, losses, pooling, normalisation: ones and zeros), containers, `Parameter`
 * (it wraps the tensor it is given), and the functions of `torch.nn.functional` that compute
 * without sampling. Layers with weights (`Linear`, `Conv2d`, `LSTM`, `Embedding`) initialise
 * them at random; a `Dropout` draws when called, which a later call of the module does where
 * nothing names `nn`: its construction stays a draw.
 */
export const TORCH_NN_DRAWS_NOTHING: ReadonlySet<string> = new Set([
  ...(
    'Parameter Buffer Module ModuleList ModuleDict ParameterList ParameterDict Sequential Identity Flatten Unflatten ' +
    'ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Softmax Softmax2d LogSoftmax Softmin Softplus ' +
    'Softsign Softshrink Hardshrink Hardtanh Hardswish Hardsigmoid Tanhshrink Threshold LogSigmoid GLU ' +
    'MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d ' +
    'AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d LPPool1d LPPool2d Upsample UpsamplingNearest2d ' +
    'UpsamplingBilinear2d PixelShuffle PixelUnshuffle ZeroPad2d ConstantPad1d ConstantPad2d ConstantPad3d ' +
    'ReflectionPad1d ReflectionPad2d ReplicationPad1d ReplicationPad2d ReplicationPad3d ' +
    'BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d LocalResponseNorm ' +
    'L1Loss MSELoss CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss HuberLoss SmoothL1Loss KLDivLoss PoissonNLLLoss ' +
    'GaussianNLLLoss CTCLoss CosineEmbeddingLoss MarginRankingLoss HingeEmbeddingLoss TripletMarginLoss SoftMarginLoss ' +
    'MultiLabelMarginLoss MultiLabelSoftMarginLoss MultiMarginLoss CosineSimilarity PairwiseDistance ' +
    'init.zeros_ init.ones_ init.constant_ init.eye_ init.dirac_ init.calculate_gain ' +
    'utils.clip_grad_norm_ utils.clip_grad_value_ utils.parameters_to_vector utils.vector_to_parameters ' +
    'utils.rnn.pad_sequence utils.rnn.pack_padded_sequence utils.rnn.pad_packed_sequence utils.rnn.pack_sequence'
  )
    .split(' ')
    .map(n => 'torch.nn.' + n),
  ...(
    'relu relu_ relu6 leaky_relu elu selu celu gelu silu mish sigmoid tanh softmax log_softmax softmin softplus softsign ' +
    'hardtanh hardswish hardsigmoid logsigmoid tanhshrink softshrink hardshrink threshold glu ' +
    'linear bilinear conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d ' +
    'max_pool1d max_pool2d max_pool3d avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d ' +
    'adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d ' +
    'batch_norm layer_norm group_norm instance_norm normalize pad interpolate one_hot embedding ' +
    'mse_loss l1_loss smooth_l1_loss huber_loss cross_entropy nll_loss binary_cross_entropy ' +
    'binary_cross_entropy_with_logits kl_div cosine_similarity pairwise_distance cosine_embedding_loss ' +
    'margin_ranking_loss hinge_embedding_loss triplet_margin_loss poisson_nll_loss unfold fold pixel_shuffle'
  )
    .split(' ')
    .map(n => 'torch.nn.functional.' + n)
]);

/**
 * Functions and methods, by bare name, that shuffle or sample with the numpy
 * global generator unless given `random_state=`.
 */
export const RANDOM_STATE_CALLS: ReadonlySet<string> = new Set(['train_test_split', 'sample']);

/** Calls that read the wall clock, by module path. Durations (perf_counter) are left out. */
export const TIME_CALLS: ReadonlySet<string> = new Set([
  'time.time',
  'time.time_ns',
  'time.localtime',
  'time.gmtime',
  'time.ctime',
  'time.asctime',
  'datetime.datetime.now',
  'datetime.datetime.today',
  'datetime.datetime.utcnow',
  'datetime.date.today',
  'pandas.Timestamp.now',
  'pandas.Timestamp.today',
  'pandas.Timestamp.utcnow',
  'pandas.datetime.now'
]);

/**
 * Endings of dotted call paths that read the clock whatever the cell imported
 * (`datetime.now()` after `from datetime import datetime` in another cell).
 */
export const TIME_CALL_SUFFIXES: readonly string[] = [
  'datetime.now',
  'datetime.today',
  'datetime.utcnow',
  'date.today',
  'Timestamp.now',
  'Timestamp.today',
  'Timestamp.utcnow'
];

/** Methods or functions, by bare name, whose first argument (or path keyword) is a file read. */
export const FILE_READ_NAMES: ReadonlySet<string> = new Set(
  (
    'read_csv read_excel read_json read_parquet read_pickle read_table read_feather read_hdf ' +
    'read_fwf read_orc read_stata read_sas read_spss read_xml read_ipc read_ndjson ' +
    'scan_csv scan_parquet loadtxt genfromtxt fromfile load_workbook load_model imread ' +
    'load_iris_file read_file'
  ).split(/\s+/).filter(Boolean)
);

/** Methods or functions, by bare name, whose first argument (or path keyword) is a file written. */
export const FILE_WRITE_NAMES: ReadonlySet<string> = new Set(
  (
    'to_csv to_excel to_json to_parquet to_pickle to_feather to_hdf to_stata to_orc to_xml ' +
    'write_csv write_parquet write_json write_ipc write_excel savefig savetxt imwrite imsave ' +
    'save_weights save_model'
  ).split(/\s+/).filter(Boolean)
);

/** Module functions, by module path, that read the file named by their first argument. */
export const FILE_READ_CALLS: ReadonlySet<string> = new Set([
  'numpy.load',
  'torch.load',
  'joblib.load',
  'PIL.Image.open',
  'PIL.open',
  'h5py.File'
]);

/**
 * Module functions, by module path, that write the file named by an argument;
 * the value is the position of the path among positional arguments.
 */
export const FILE_WRITE_CALLS: ReadonlyMap<string, number> = new Map([
  ['numpy.save', 0],
  ['numpy.savez', 0],
  ['numpy.savez_compressed', 0],
  ['torch.save', 1],
  ['joblib.dump', 1],
  ['pandas.ExcelWriter', 0]
]);

/** Keyword arguments that name the file of a read or write call. */
export const PATH_KEYWORDS: ReadonlySet<string> = new Set([
  'filepath_or_buffer',
  'path_or_buf',
  'path',
  'io',
  'fname',
  'file',
  'filename',
  'filepath',
  'excel_writer',
  'path_or_buffer'
]);

/** `open`-like functions, by module path (the bare builtin is 'open'), mode decides read or write. */
export const OPEN_CALLS: ReadonlySet<string> = new Set([
  'open',
  'io.open',
  'codecs.open',
  'gzip.open',
  'bz2.open',
  'lzma.open'
]);

/** Functions, by module path, that change the object passed as their first argument. */
export const ARGUMENT_MUTATORS: ReadonlySet<string> = new Set([
  'random.shuffle',
  'numpy.random.shuffle',
  'heapq.heappush',
  'heapq.heappop',
  'heapq.heapify',
  'heapq.heapreplace',
  'heapq.heappushpop',
  'bisect.insort',
  'bisect.insort_left',
  'bisect.insort_right',
  'numpy.copyto',
  'numpy.fill_diagonal',
  'numpy.put',
  'numpy.place',
  'numpy.putmask',
  'networkx.set_node_attributes',
  'networkx.set_edge_attributes',
  'setattr',
  'delattr'
]);
