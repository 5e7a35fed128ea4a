/** Chinese (default) strings. */
const zh = {
  app: { title: "小模型训练平台", language: "语言", switchLang: "English" },
  common: {
    save: "保存", cancel: "取消", delete: "删除", confirmDelete: "确认删除？", create: "新建",
    edit: "编辑", search: "搜索", loading: "加载中…", empty: "暂无数据", retry: "重试",
    actions: "操作", name: "名称", status: "状态", createdAt: "创建时间", back: "返回",
    refresh: "刷新", details: "详情", yes: "是", no: "否", submit: "提交", next: "下一步",
    prev: "上一步", error: "出错了", reload: "重新加载", download: "下载", all: "全部",
    saved: "已保存", done: "完成", close: "关闭",
  },
  nav: {
    dashboard: "概览", datasets: "数据集", newJob: "新建训练", jobs: "训练任务", models: "模型",
    compare: "模型对比", members: "项目成员", users: "用户管理", audit: "审计日志",
    admin: "系统管理", logout: "退出登录", project: "项目",
  },
  login: {
    title: "登录", username: "用户名", password: "密码", submit: "登录",
    required: "请输入{{field}}", failed: "登录失败：{{message}}",
    subtitle: "上传数据，训练小模型，在线预测",
  },
  project: { none: "没有可用的项目", personal: "（个人）", role: "我的角色" },
  roles: { owner: "所有者", editor: "编辑者", viewer: "查看者", admin: "管理员", member: "成员" },
  members: {
    title: "项目成员", add: "添加成员", username: "用户名", role: "角色",
    onlyOwner: "只有项目所有者可以管理成员", remove: "移除", removeConfirm: "确认移除该成员？",
  },
  users: {
    title: "用户管理", create: "新建用户", username: "用户名", displayName: "显示名", email: "邮箱",
    role: "系统角色", active: "启用", disable: "停用", enable: "启用", resetPassword: "重置密码",
    newPassword: "新密码", password: "初始密码", passwordReset: "密码已重置",
  },
  audit: {
    title: "审计日志", action: "操作", actor: "操作人", objectType: "对象类型", object: "对象",
    ip: "IP", time: "时间", range: "时间范围", details: "详情",
  },
  dashboard: {
    title: "概览", datasets: "数据集", activeJobs: "排队/运行中的任务", models: "模型",
    recentModels: "最近的模型", recentActivity: "最近动态", recentJobs: "最近的任务",
    getStarted: "从上传一个数据集开始", upload: "上传数据集", train: "开始训练",
  },
  datasets: {
    title: "数据集", upload: "上传数据集", dragHint: "点击或将 CSV / Excel / JSON 文件拖到此处上传",
    uploading: "正在上传 {{name}}", uploaded: "上传成功", rows: "行数", columns: "列数", size: "大小",
    format: "格式", preview: "数据预览", profile: "列概况", validate: "校验", validation: "校验报告",
    taskType: "任务类型", targetColumn: "目标列", textColumn: "文本列", runValidation: "运行校验",
    valid: "通过", invalid: "未通过", deleteConfirm: "删除数据集「{{name}}」？此操作不可撤销。",
    column: "列", dtype: "类型", missing: "缺失", unique: "唯一值", stats: "统计", distribution: "分布",
    searchPlaceholder: "按名称搜索", noDatasets: "还没有数据集", errors: "错误", warnings: "警告",
    cancelUpload: "取消上传", encoding: "编码",
    processingHint: "文件较大，正在后台转换，完成后自动刷新",
    uploadedProcessing: "已上传 {{name}}，文件较大，正在后台转换",
    failedTitle: "转换失败", failedHint: "请删除该数据集，修正文件后重新上传。",
  },
  jobs: {
    title: "训练任务", new: "新建训练", dataset: "数据集", taskType: "任务类型", mapping: "列映射",
    params: "参数", review: "确认", advanced: "高级参数", name: "任务名称", progress: "进度",
    eta: "预计剩余", cancel: "取消任务", retry: "重试", cancelConfirm: "确认取消该任务？",
    curves: "训练曲线", logs: "日志", events: "事件", model: "查看模型", live: "实时",
    reconnecting: "连接中断，正在重连…", started: "开始时间", finished: "结束时间",
    error: "错误信息", noJobs: "还没有训练任务", submitted: "任务已提交", step: "步",
    epoch: "轮", noMetrics: "暂无指标", selectDataset: "选择数据集", chooseTask: "选择任务类型",
    targetColumn: "目标列", textColumn: "文本列", featureColumns: "特征列（留空表示全部）",
    stage: "当前阶段", createdBy: "创建人",
    datasetsProcessing: "正在后台转换的数据集就绪后即可选择：{{names}}",
    datasetProcessing: "数据集「{{name}}」正在后台转换，就绪后即可选择",
    datasetFailed: "数据集「{{name}}」转换失败，不能用于训练：{{message}}",
  },
  status: {
    queued: "排队中", running: "运行中", succeeded: "成功", failed: "失败", cancelled: "已取消",
    cancelling: "取消中", ready: "就绪", uploading: "上传中", processing: "处理中", error: "错误",
  },
  models: {
    title: "模型", version: "版本", metrics: "指标", confusion: "混淆矩阵", perClass: "分类指标",
    importance: "特征重要性", mistakes: "最有把握的错误", card: "模型卡片", download: "下载模型",
    tryIt: "在线试用", predict: "预测", prediction: "预测结果", input: "输入",
    compare: "对比所选模型", compareHint: "选择 2–4 个模型进行对比", noModels: "还没有模型",
    job: "训练任务", precision: "精确率", recall: "召回率", f1: "F1", support: "样本数",
    label: "类别", predicted: "预测", actual: "真实", confidence: "置信度", class: "类别",
    probability: "概率", metric: "指标", curves: "训练曲线", text: "文本",
  },
  tasks: { tabular_classification: "表格分类", tabular_regression: "表格回归", text_classification: "文本分类" },
  errors: {
    boundary: "页面出错了", network: "网络错误，请稍后重试", notFound: "页面不存在",
    forbidden: "没有权限", goHome: "返回首页",
  },
};

export default zh;
export type Messages = typeof zh;
